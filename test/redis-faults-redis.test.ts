/**
 * Faults of Redis itself, against real processes (docs reliability.md, "Faults"): Redis down when
 * the API starts, Redis killed mid-job and restarted (AOF), Redis out of memory, and the rate-limit
 * store unavailable. Each test runs its own redis-server (privateRedis) so it can kill it; the API
 * runs as a child process (`node dist/main.js`) where a crash would show; workers are `svg-ai
 * worker` child processes. `npm run build` first.
 *
 * Every test checks: each request got a definite answer within a bound that catches hangs (never a
 * speed assertion), submitted = completed + failed with nothing left waiting, and recovery without
 * restarting anything.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { smallLogo } from './helpers/service.js';
import {
  drained,
  getJob,
  jobIdOf,
  keysUnder,
  postImage,
  privateRedis,
  queueCounts,
  sleep,
  startApiProcess,
  startWorkerProcess,
  stopProcess,
  uniquePrefix,
  waitFor,
  type Answer,
  type ApiProcess,
  type RedisServer,
  type WorkerProcess,
} from './helpers/redis.js';

/** A bound that only catches hangs: "about a second" answers must come well within it. */
const FAST_MS = 5000;

let fixtures: FixtureIndex;
const cleanups: (() => Promise<unknown>)[] = [];
/** Registers what to stop after the test, newest first; a failing test still cleans up. */
function later<T extends { child: unknown; exited: Promise<unknown> } | RedisServer>(thing: T): T {
  cleanups.unshift(async () => ('cleanup' in thing ? thing.cleanup() : stopProcess(thing as unknown as WorkerProcess, 'SIGKILL')));
  return thing;
}

beforeAll(async () => {
  fixtures = await ensureFixtures();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

function expectNotReady(answer: Answer): void {
  expect(answer.status, answer.body).toBe(503);
  expect(answer.code).toBe('NOT_READY');
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(answer.ms).toBeLessThan(FAST_MS);
}

async function waitCompleted(api: ApiProcess, id: string, timeoutMs = 60_000) {
  return waitFor(`job ${id.slice(0, 12)} completed`, async () => (await getJob(api.base, id))?.state === 'completed', timeoutMs, 200);
}

describe('Redis down when the API starts', () => {
  it('starts, is alive but not ready, answers 503 + Retry-After fast (rate limiter fails open), and recovers when Redis comes', async () => {
    const redis = later(await privateRedis());
    const prefix = uniquePrefix('faults-down');
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '3' };
    const api = later(await startApiProcess(env));

    expect((await fetch(`${api.base}/health`)).status).toBe(200);
    const ready = await fetch(`${api.base}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { code: string }).code).toBe('NOT_READY');

    // More requests than the rate limit allows: the limiter's store (Redis) is down and it fails
    // open, so every one of them reaches the queue and gets NOT_READY, never 429, 500 or a hang.
    const logo = await smallLogo(96, '#1f6f3a');
    const answers = await Promise.all([
      postImage(api.base, logo),
      postImage(api.base, logo, { async: '1' }),
      postImage(api.base, await smallLogo(96, '#6f1f3a')),
      postImage(api.base, logo),
      postImage(api.base, logo, { async: '1' }),
    ]);
    for (const answer of answers) expectNotReady(answer);
    const poll = await fetch(`${api.base}/api/jobs/${jobIdOf(logo)}`, { signal: AbortSignal.timeout(FAST_MS) });
    expect(poll.status).toBe(503);
    expect((await fetch(`${api.base}/metrics`, { signal: AbortSignal.timeout(FAST_MS) })).status).toBe(200);

    // Redis arrives; nothing is restarted.
    await redis.start();
    await waitFor('API ready', async () => (await fetch(`${api.base}/ready`)).status === 200, 20_000);
    later(await startWorkerProcess(env));

    const sync = await postImage(api.base, logo);
    expect(sync.status, sync.body).toBe(200);
    expect(sync.body).toMatch(/^<svg/);
    const other = await smallLogo(96, '#6f1f3a');
    const async = await postImage(api.base, other, { async: '1' });
    expect(async.status, async.body).toBe(202);
    await waitCompleted(api, jobIdOf(other));

    // The limit works again (its counts live in Redis): two more requests use it up.
    const third = await postImage(api.base, logo);
    expect(third.status, third.body).toBe(200);
    const fourth = await postImage(api.base, logo);
    expect(fourth.status, fourth.body).toBe(429);
    expect(fourth.code).toBe('RATE_LIMITED');

    const counts = await drained(redis.url, prefix);
    expect(counts).toMatchObject({ completed: 2, failed: 0 });
    expect(api.child.exitCode, api.output()).toBeNull();
  });
});

describe('Redis killed mid-job, then back on the same port (AOF)', () => {
  it('loses no job: the active one completes after the restart; every caller gets an answer or 503, never a hung socket', async () => {
    const redis = later(await privateRedis());
    await redis.start();
    const prefix = uniquePrefix('faults-kill');
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, LOCK_DURATION_MS: '2000' };
    // A sync caller waits at most REQUEST_TIMEOUT_MS - 1 s, then gets 503 QUEUE_TIMEOUT and polls.
    const api = later(await startApiProcess({ ...env, QUEUE_WAIT_MS: '5000', REQUEST_TIMEOUT_MS: '20000' }));
    later(await startWorkerProcess(env));

    const photo = await readFile(fixtures['photo-like'].file);
    const accepted = new Set<string>();
    const submitted = await postImage(api.base, photo, { async: '1' });
    expect(submitted.status, submitted.body).toBe(202);
    const id = jobIdOf(photo);
    accepted.add(id);
    // A sync caller on a second slow job, and sync callers of the first one (de-duplicated onto it).
    const slowSync = postImage(api.base, photo, { quality: '0.84' }, 40_000);
    accepted.add(jobIdOf(photo, { quality: '0.84' }));
    await waitFor('job active', async () => (await getJob(api.base, id))?.state === 'active', 30_000, 50);

    // Callers keep arriving around the moment Redis dies (de-duplicated onto the active job), so
    // some are between two Redis calls when it goes: each must get a definite answer, and the API
    // must not crash (an unhandled rejection inside BullMQ's Job.waitUntilFinished did, 2 runs in 3).
    const around: Promise<Answer>[] = [];
    const stream = (async () => {
      for (let i = 0; i < 60; i++) {
        for (let j = 0; j < 5; j++) around.push(postImage(api.base, photo, {}, 40_000));
        await sleep(5);
      }
    })();
    await sleep(200);
    await redis.stop('SIGKILL');
    await stream;
    await sleep(200);
    expect(api.child.exitCode, `the API died:\n${api.output()}`).toBeNull();

    // While Redis is away: new work and polls get 503 fast.
    const during = await Promise.all([postImage(api.base, await smallLogo(96, '#225588')), postImage(api.base, photo, { async: '1' })]);
    for (const answer of during) expectNotReady(answer);
    const poll = await fetch(`${api.base}/api/jobs/${id}`, { signal: AbortSignal.timeout(FAST_MS) });
    expect(poll.status).toBe(503);

    await sleep(1000);
    await redis.start();

    for (const answer of [...(await Promise.all(around)), await slowSync]) {
      expect([200, 503], `${answer.status} ${answer.error ?? answer.body.slice(0, 200)}`).toContain(answer.status);
      if (answer.status === 503) expect(['NOT_READY', 'QUEUE_TIMEOUT']).toContain(answer.code);
    }
    // The API process survived, and every accepted job finished with its result.
    expect(api.child.exitCode, api.output()).toBeNull();
    for (const job of accepted) await waitCompleted(api, job);
    const counts = await drained(redis.url, prefix);
    expect(counts).toMatchObject({ completed: accepted.size, failed: 0 });
    const again = await postImage(api.base, photo);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-svg-ai-cache')).toBe('hit');
  });
});
