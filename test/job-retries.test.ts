/**
 * JOB_ATTEMPTS on real Redis with a real worker process: a transient failure (Redis answering the
 * worker's read of the stored upload with an error) is tried again after a growing backoff, up to
 * JOB_ATTEMPTS tries in all, and a job whose fault clears on a later try completes. Input errors
 * are final (test/redis-faults-workers.test.ts "fails with TRACE_TIMEOUT").
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { QUEUE_NAME } from '../src/queue/conversion-jobs.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { contentHash } from '../src/store/result-cache.js';
import { dropPrefix, SHARED_REDIS_URL, startWorkerProcess, stopProcess, uniquePrefix, waitFor, type WorkerProcess } from './helpers/redis.js';
import { smallLogo } from './helpers/service.js';

const prefix = uniquePrefix('retries');
const ATTEMPTS = 3;
let api: RunningServer;
let redis: Redis;
let queue: Queue;
let base: string;

beforeAll(async () => {
  api = await startServer(
    loadConfig({}, { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, JOB_ATTEMPTS: ATTEMPTS, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0 }),
    createLogger('silent'),
  );
  base = `http://127.0.0.1:${api.port}`;
  redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  queue = new Queue(QUEUE_NAME, { connection: new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null }), prefix });
}, 60_000);
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await api?.shutdown();
  await dropPrefix(SHARED_REDIS_URL, prefix);
});

interface Attempt {
  /** attemptsMade as first seen, and when. */
  made: number;
  at: number;
}

/**
 * Submits `logo` with no worker running, turns its stored upload into a Redis list (every read of
 * it then fails with WRONGTYPE: a transient fault, not the input's), and starts a worker.
 * `onAttempt` may clear the fault. Returns the attempts as they were seen and the final state.
 */
async function runWithFault(logo: Buffer, onAttempt: (made: number) => Promise<void> = async () => undefined) {
  const posted = await request(base).post('/api/convert?async=1').set('Content-Type', 'image/png').send(logo);
  expect(posted.status).toBe(202);
  const location = posted.headers.location as string;
  const id = location.split('/').pop()!;
  const inputKey = `${prefix}:input:${contentHash(logo)}`;
  expect(await redis.exists(inputKey)).toBe(1);
  await redis.multi().del(inputKey).rpush(inputKey, 'not the bytes').expire(inputKey, 60).exec();
  let worker: WorkerProcess | undefined;
  const seen: Attempt[] = [];
  try {
    worker = await startWorkerProcess({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
    const state = await waitFor(
      'the job to finish',
      async () => {
        const job = await queue.getJob(id);
        if (!job) return undefined;
        if (job.attemptsMade > (seen.at(-1)?.made ?? 0)) {
          seen.push({ made: job.attemptsMade, at: Date.now() });
          await onAttempt(job.attemptsMade);
        }
        const s = await job.getState();
        if (s !== 'completed' && s !== 'failed') return undefined;
        // The job may have finished its last try between reading it and its state: read it again.
        const final = (await queue.getJob(id))!;
        if (final.attemptsMade > (seen.at(-1)?.made ?? 0)) seen.push({ made: final.attemptsMade, at: Date.now() });
        return s;
      },
      30_000,
      20,
    );
    return { state, seen, location, output: worker.output() };
  } finally {
    if (worker) await stopProcess(worker);
  }
}

/** How late a poll of the job (every 20 ms, plus Redis round trips under load) may see a try. */
const POLL_SLACK_MS = 150;

describe(`JOB_ATTEMPTS=${ATTEMPTS}: transient failures are retried with backoff`, () => {
  it('a fault that never clears: tried exactly JOB_ATTEMPTS times, with growing waits between, then failed as INTERNAL', async () => {
    const { state, seen, location } = await runWithFault(await smallLogo(88, '#7a2b2b'));
    expect(state).toBe('failed');
    const view = (await request(base).get(location)).body as { state: string; attempts: number; error: { code: string } };
    expect(view.state).toBe('failed');
    expect(view.attempts).toBe(ATTEMPTS);
    expect(view.error.code).toBe('INTERNAL');
    // Exponential backoff of 500 ms: the second try waits at least 500 ms, the third at least 1 s.
    // Each try is seen by polling, up to a poll late: a gap can read short by that lateness (442
    // for 500 on a loaded CI machine). Without backoff the tries are tens of ms apart.
    expect(seen.map((a) => a.made)).toEqual([1, 2, 3]);
    const gaps = seen.slice(1).map((a, i) => a.at - seen[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(500 - POLL_SLACK_MS);
    expect(gaps[1]).toBeGreaterThanOrEqual(1000 - POLL_SLACK_MS);
    expect(gaps[1]! - gaps[0]!).toBeGreaterThan(0);
  }, 60_000);

  it('a fault that clears after the first try: the retry completes the job, and the SVG is served', async () => {
    const logo = await smallLogo(92, '#2b7a2b');
    const inputKey = `${prefix}:input:${contentHash(logo)}`;
    const { state, seen, location, output } = await runWithFault(logo, async (made) => {
      // Redis heals: the stored bytes are back before the backoff ends.
      if (made === 1) await redis.multi().del(inputKey).set(inputKey, logo, 'EX', 60).exec();
    });
    expect(state, output).toBe('completed');
    expect(seen[0]?.made).toBe(1);
    const view = (await request(base).get(location)).body as { state: string; attempts: number };
    expect(view.state).toBe('completed');
    expect(view.attempts).toBeGreaterThanOrEqual(1);
    const svg = await request(base).get(`${location}/svg`).buffer(true);
    expect(svg.status).toBe(200);
    expect(String(svg.body)).toMatch(/^<svg/);
  }, 60_000);
});
