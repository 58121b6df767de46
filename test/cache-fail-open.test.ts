/**
 * The result cache fails open while Redis is up: a lookup that errors (here a cache entry Redis
 * holds under the wrong type, so GET answers WRONGTYPE) is a miss counted as `error`, and the
 * image is converted by a real worker instead of the request failing.
 */
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { dropPrefix, jobIdOf, SHARED_REDIS_URL, startWorkerProcess, stopProcess, sumMetric, uniquePrefix, type WorkerProcess } from './helpers/redis.js';
import { smallLogo } from './helpers/service.js';

const prefix = uniquePrefix('cache-open');
let api: RunningServer;
let worker: WorkerProcess;

beforeAll(async () => {
  api = await startServer(
    loadConfig({}, { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0 }),
    createLogger('silent'),
  );
  worker = await startWorkerProcess({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
}, 60_000);
afterAll(async () => {
  if (worker) await stopProcess(worker);
  await api?.shutdown();
  await dropPrefix(SHARED_REDIS_URL, prefix);
});

describe('the result cache, Redis up', () => {
  it('converts the image when the cache lookup errors, counting the lookup as an error', async () => {
    const logo = await smallLogo(88, '#2b5f7a');
    const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await redis.hset(`${prefix}:result:${jobIdOf(logo)}`, 'not', 'a string');
    } finally {
      redis.disconnect();
    }
    const metrics = async () => sumMetric(await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text(), 'svgai_cache_requests_total{result="error"}');
    const errorsBefore = await metrics();
    const res = await request(`http://127.0.0.1:${api.port}`).post('/api/convert').set('Content-Type', 'image/png').send(logo);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.toString()).toMatch(/^<svg/);
    expect(res.headers['x-svg-ai-cache']).toBe('miss');
    expect(await metrics()).toBe(errorsBefore + 1);
  }, 90_000);
});
