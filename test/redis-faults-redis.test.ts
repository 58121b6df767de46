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
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { smallLogo } from './helpers/service.js';
import {
  dropPrefix,
  drained,
  freeze,
  getJob,
  jobIdOf,
  jobState,
  keysUnder,
  photoVariant,
  postImage,
  privateRedis,
  queueCounts,
  SHARED_REDIS_URL,
  sleep,
  startApiProcess,
  startWorkerProcess,
  stopProcess,
  thaw,
  uniquePrefix,
  waitFor,
  watchJobs,
  type Answer,
  type ApiProcess,
  type RedisServer,
  type WorkerProcess,
} from './helpers/redis.js';

/**
 * "About a second": the API gives Redis 1 s (REDIS_DEADLINE_MS) before answering 503. The bound
 * sits under the Redis client's own 2 s command timeout, so only that 1 s deadline can satisfy it
 * (a deadline of 3 s, or none, answers at 2 s or later), with 0.9 s of slack for a loaded machine.
 */
const FAST_MS = 1900;

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
    const worker = later(await startWorkerProcess(env));
    const watcher = await watchJobs(redis.url, prefix);

    const fixture = await readFile(fixtures['photo-like'].file);
    const [photo, other] = await Promise.all([photoVariant(fixture, 1), photoVariant(fixture, 2)]);
    const accepted = new Set<string>();
    const submitted = await postImage(api.base, photo, { async: '1' });
    expect(submitted.status, submitted.body).toBe(202);
    const id = jobIdOf(photo);
    accepted.add(id);
    // A sync caller on a second job.
    const otherSync = postImage(api.base, other, {}, 40_000);
    accepted.add(jobIdOf(other));
    // Hold the job mid-flight, however fast its trace: freeze the worker the moment it takes it.
    await watcher.active(id);
    freeze(worker);
    await watcher.close();
    expect(await jobState(redis.url, prefix, id)).toBe('active');

    // Callers keep arriving around the moment Redis dies (de-duplicated onto the active job), so
    // some are between two Redis calls when it goes: each must get a definite answer, and the API
    // must not crash (an unhandled rejection inside BullMQ's Job.waitUntilFinished did, 4 runs in 4).
    const around: Promise<Answer>[] = [];
    const stream = (async () => {
      for (let i = 0; i < 60; i++) {
        for (let j = 0; j < 5; j++) around.push(postImage(api.base, photo, {}, 40_000));
        await sleep(5);
      }
    })();
    await sleep(200);
    await redis.stop('SIGKILL');
    // The worker goes on with its job while Redis is away.
    thaw(worker);
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

    for (const answer of [...(await Promise.all(around)), await otherSync]) {
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
    expect(worker.child.exitCode, worker.output()).toBeNull();
  });
});

/** Redis's used_memory (bytes). */
async function usedMemory(url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
  } finally {
    redis.disconnect();
  }
}

async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/^total_commands_processed:(\d+)/m.exec(await redis.info('stats'))?.[1]);
}

// 4 MB rather than 2: the queue's scripts, event stream and connections already take ~1.6 MB.
const MAXMEMORY = 4 * 1024 * 1024;

describe('Redis out of memory (maxmemory 4mb, noeviction)', () => {
  it('refuses what cannot be stored with a fast 503, leaves nothing behind, and loses no accepted job', async () => {
    const redis = later(await privateRedis(['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', 'noeviction']));
    await redis.start();
    const prefix = uniquePrefix('faults-oom');
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, LOCK_DURATION_MS: '2000' };
    const api = later(await startApiProcess(env));
    const worker = later(await startWorkerProcess(env));
    const accepted = new Set<string>();

    // 1. Upload bytes larger than Redis may hold (a 1400x1400 noise PNG, ~6 MB): 503 at once.
    const big = await sharp(randomBytes(1400 * 1400 * 3), { raw: { width: 1400, height: 1400, channels: 3 } }).png().toBuffer();
    expect(big.length).toBeGreaterThan(MAXMEMORY);
    for (const query of [{}, { async: '1' }] as Record<string, string>[]) expectNotReady(await postImage(api.base, big, query));
    expect(await keysUnder(redis.url, prefix, 'input:*')).toEqual([]);
    expect(await queueCounts(redis.url, prefix)).toMatchObject({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    // Small work still fits, once Redis has given back the refused upload's buffer.
    await waitFor('Redis memory back under its limit', async () => (await usedMemory(redis.url)) < MAXMEMORY * 0.8, 10_000, 100);
    const logo = await smallLogo(96, '#884422');
    expect((await postImage(api.base, logo)).status).toBe(200);
    accepted.add(jobIdOf(logo));

    // 2. A job is running when Redis fills up: its result cannot be stored, so it must not be
    //    reported done; new uploads get 503 fast and leave nothing behind.
    const slow = await photoVariant(await readFile(fixtures['photo-like'].file), 3);
    const slowId = jobIdOf(slow);
    const watcher = await watchJobs(redis.url, prefix);
    expect((await postImage(api.base, slow, { async: '1' })).status).toBe(202);
    accepted.add(slowId);
    await watcher.active(slowId);
    freeze(worker);
    await watcher.close();
    // Redis fills up: 1 MB of other data, and the limit lowered to 512 KB under what is used, so
    // every write is refused with a margin (at the exact boundary a refused write's own buffer
    // is given back and the next small write would fit again).
    const filler = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const fillers = Array.from({ length: 16 }, (_, i) => `${prefix}:filler:${i}`);
    let workerLines = 0;
    worker.child.stdout?.on('data', (d: Buffer) => (workerLines += d.toString().split('\n').length - 1));
    try {
      for (const key of fillers) await filler.set(key, Buffer.alloc(64 * 1024, 7));
      await filler.config('SET', 'maxmemory', String((await usedMemory(redis.url)) - 512 * 1024));
      expect(await filler.set(`${prefix}:probe`, 'x').catch((err: Error) => err.message)).toMatch(/^OOM/);
      thaw(worker);

      const logo2 = await smallLogo(96, '#228844');
      for (const query of [{}, { async: '1' }] as Record<string, string>[]) expectNotReady(await postImage(api.base, logo2, query));
      expect((await fetch(`${api.base}/api/jobs/${jobIdOf(logo2)}`)).status).toBe(404);
      // Long enough for the trace to end and its result to be refused. The job is never
      // reported completed without its result: it waits, or, once its attempts are used up,
      // ends failed with a retryable INTERNAL error (visible, and tried again when re-sent).
      await sleep(1500);
      const commandsBefore = await commandsProcessed(filler);
      await sleep(2500);
      const commands = (await commandsProcessed(filler)) - commandsBefore;
      const during = await getJob(api.base, slowId);
      expect(['active', 'waiting', 'failed']).toContain(during?.state);
      if (during?.state === 'failed') expect(during.error?.code).toBe('INTERNAL');
      // Every fetch the worker tries is refused; it backs off instead of spinning: before, it sent
      // Redis ~6000 refused fetches and logged ~1700 lines a second (now ~40 commands a second in
      // all, and one line per distinct error every 10 s).
      expect(commands).toBeLessThan(2000);
      expect(workerLines).toBeLessThan(50);

      // 3. Memory comes back (nothing restarted): the slow job completes with its SVG (re-sent if
      //    it had failed), and the refused upload goes through when sent again.
      await filler.del(...fillers);
      if ((await getJob(api.base, slowId))?.state === 'failed') expect((await postImage(api.base, slow, { async: '1' })).status).toBe(202);
      await waitCompleted(api, slowId);
      const svg = await fetch(`${api.base}/api/jobs/${slowId}/svg`);
      expect(svg.status).toBe(200);
      expect(await svg.text()).toMatch(/^<svg/);
      expect((await postImage(api.base, logo2)).status).toBe(200);
      accepted.add(jobIdOf(logo2));
    } finally {
      filler.disconnect();
    }

    const counts = await drained(redis.url, prefix);
    expect(counts).toMatchObject({ completed: accepted.size, failed: 0 });
    // One stored input per accepted job: nothing from the refused uploads.
    expect((await keysUnder(redis.url, prefix, 'input:*')).length).toBe(accepted.size);
    expect(api.child.exitCode, api.output()).toBeNull();
  });
});

describe('rate limits shared through Redis', () => {
  it('counts requests across two API instances with the same prefix (fail-open when Redis is down is tested above)', async () => {
    const prefix = uniquePrefix('faults-rl');
    const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '2' };
    try {
      const [a, b] = await Promise.all([startApiProcess(env), startApiProcess(env)]).then((apis) => apis.map((api) => later(api)));
      const text = Buffer.from('not an image at all');
      // Counted whatever the answer: 415 for text, refused before any job exists.
      expect((await postImage(a!.base, text)).status).toBe(415);
      expect((await postImage(b!.base, text)).status).toBe(415);
      for (const api of [a!, b!]) {
        const third = await postImage(api.base, text);
        expect(third.status, third.body).toBe(429);
        expect(third.code).toBe('RATE_LIMITED');
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(await queueCounts(SHARED_REDIS_URL, prefix)).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0 });
    } finally {
      await dropPrefix(SHARED_REDIS_URL, prefix);
    }
  });
});
