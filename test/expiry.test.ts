/**
 * Expiry on real Redis with short settings: cached results go after CACHE_TTL_SECONDS, stored
 * input bytes and batches after JOB_TTL_SECONDS (Redis itself expires the keys; the API then
 * answers a batch as not found), finished job records after JOB_TTL_SECONDS (the workers sweep
 * them), and a job that outlived its result is traced again rather than answered without one.
 */
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { contentHash } from '../src/store/result-cache.js';
import { dropPrefix, jobIdOf, SHARED_REDIS_URL, startWorkerProcess, stopProcess, uniquePrefix, waitFor, type WorkerProcess } from './helpers/redis.js';
import { smallLogo } from './helpers/service.js';

const prefix = uniquePrefix('expiry');
const TTL = { JOB_TTL_SECONDS: '10', CACHE_TTL_SECONDS: '2' };
let api: RunningServer;
let worker: WorkerProcess;
let redis: Redis;
let base: string;

beforeAll(async () => {
  const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, ...TTL };
  api = await startServer(loadConfig({}, { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, JOB_TTL_SECONDS: 10, CACHE_TTL_SECONDS: 2, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0 }), createLogger('silent'));
  base = `http://127.0.0.1:${api.port}`;
  worker = await startWorkerProcess(env);
  redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  if (worker) await stopProcess(worker);
  await api?.shutdown();
  await dropPrefix(SHARED_REDIS_URL, prefix);
});

const exists = async (key: string) => (await redis.exists(key)) === 1;

describe('short JOB_TTL_SECONDS (10) and CACHE_TTL_SECONDS (2)', () => {
  it('a cached result is gone from Redis once CACHE_TTL_SECONDS has passed, long before JOB_TTL_SECONDS', async () => {
    const logo = await smallLogo(72, '#5a2b7a');
    const res = await request(base).post('/api/convert').set('Content-Type', 'image/png').send(logo);
    expect(res.status).toBe(200);
    const key = `${prefix}:result:${jobIdOf(logo)}`;
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);
    // Polled, with a deadline far under JOB_TTL_SECONDS: only the cache's own TTL can satisfy it.
    await waitFor('the cached result to expire', async () => !(await exists(key)), 6000, 100);
  }, 60_000);

  it('an image sent again after its cached result expired is traced again, though its finished job is still kept', async () => {
    const logo = await smallLogo(80, '#7a5a2b');
    const first = await request(base).post('/api/convert').set('Content-Type', 'image/png').send(logo);
    expect(first.status).toBe(200);
    const id = jobIdOf(logo);
    await waitFor('the cached result to expire', async () => !(await exists(`${prefix}:result:${id}`)), 6000, 100);
    // The situation under test: the job record (JOB_TTL_SECONDS) outlives its result (CACHE_TTL_SECONDS).
    expect((await request(base).get(`/api/jobs/${id}`)).body.state).toBe('completed');
    const again = await request(base).post('/api/convert').set('Content-Type', 'image/png').send(logo);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.headers['x-svg-ai-cache']).toBe('miss');
    expect(String(again.body)).toMatch(/^<svg/);
    expect(await exists(`${prefix}:result:${id}`)).toBe(true);
  }, 60_000);

  it('stored input bytes and a batch expire after JOB_TTL_SECONDS; the batch then answers 404 BATCH_NOT_FOUND', async () => {
    const logo = await smallLogo(76, '#2b7a5a');
    const posted = await request(base).post('/api/batch').attach('images', logo, 'expiring.png');
    expect(posted.status).toBe(202);
    const id = posted.body.id as string;
    const batchKey = `${prefix}:batch:${id}`;
    const inputKey = `${prefix}:input:${contentHash(logo)}`;
    for (const key of [batchKey, inputKey]) {
      const ttl = await redis.ttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(10);
    }
    expect((await request(base).get(`/api/batch/${id}`)).status).toBe(200);
    await waitFor('the batch and the input to expire', async () => !(await exists(batchKey)) && !(await exists(inputKey)), 20_000, 200);
    const gone = await request(base).get(`/api/batch/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('BATCH_NOT_FOUND');
  }, 60_000);

  // Last in the file: no job finishes after this one, so BullMQ's removeOnComplete (applied only
  // when a later job finishes) cannot be what removes the record; only the workers' sweep can.
  it('a finished job record is removed after JOB_TTL_SECONDS: its status then answers 404 JOB_NOT_FOUND', async () => {
    const logo = await smallLogo(84, '#2b5a7a');
    const posted = await request(base).post('/api/convert?async=1').set('Content-Type', 'image/png').send(logo);
    expect(posted.status).toBe(202);
    const location = posted.headers.location as string;
    await waitFor('the job to complete', async () => (await request(base).get(location)).body.state === 'completed', 30_000, 100);
    const finishedAt = Date.now();
    // JOB_TTL_SECONDS is 10: the record is kept at first, then gone within one more sweep (half the TTL).
    await waitFor('the job record to be removed', async () => (await request(base).get(location)).status === 404, 25_000, 250);
    expect(Date.now() - finishedAt).toBeGreaterThan(5_000);
    const gone = await request(base).get(location);
    expect(gone.body.code).toBe('JOB_NOT_FOUND');
  }, 60_000);
});
