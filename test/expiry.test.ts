/**
 * Expiry on real Redis with short settings: cached results go after CACHE_TTL_SECONDS, stored
 * input bytes and batches after JOB_TTL_SECONDS (Redis itself expires the keys; the API then
 * answers a batch as not found).
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
});
