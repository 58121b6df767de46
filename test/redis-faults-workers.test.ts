/**
 * Faults of worker processes, against the shared Redis (own key prefix per test) and real
 * `svg-ai worker` child processes (docs reliability.md, "Faults"): a worker SIGKILLed mid-job, a
 * poison job that kills its worker twice, a trace over its hard deadline, SIGTERM with jobs in
 * flight (worker and API). `npm run build` first.
 *
 * A job is held mid-flight by freezing its worker (SIGSTOP) the moment the queue's event stream
 * says it was taken, so no test depends on how long a trace takes. Every test checks: each caller
 * got a definite answer, submitted = completed + failed with nothing left waiting, and the fleet
 * recovered without a restart.
 */
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { ensureFixtures } from './fixtures/index.js';
import { smallLogo } from './helpers/service.js';
import {
  drained,
  dropPrefix,
  freeze,
  getJob,
  jobField,
  jobIdOf,
  jobState,
  photoVariant,
  postImage,
  SHARED_REDIS_URL,
  startWorkerProcess,
  stopProcess,
  sumMetric,
  thaw,
  uniquePrefix,
  waitFor,
  watchJobs,
  type JobWatcher,
  type WorkerProcess,
} from './helpers/redis.js';

let photo: Buffer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  photo = await readFile((await ensureFixtures())['photo-like'].file);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

/** One test's world: a prefix on the shared Redis, an in-process API, a job watcher; all undone after. */
async function setup(name: string, apiOverrides: Partial<Config> = {}) {
  const prefix = uniquePrefix(name);
  const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, LOCK_DURATION_MS: '2000' };
  const api = await startServer(
    loadConfig({}, { ...env, LOCK_DURATION_MS: 2000, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0, ...apiOverrides }),
    createLogger('silent'),
  );
  const watcher = await watchJobs(SHARED_REDIS_URL, prefix);
  const workers: WorkerProcess[] = [];
  cleanups.push(async () => {
    await Promise.all(workers.map((w) => stopProcess(w, 'SIGKILL')));
    await watcher.close();
    await api.shutdown();
    await dropPrefix(SHARED_REDIS_URL, prefix);
  });
  const base = `http://127.0.0.1:${api.port}`;
  return {
    prefix,
    api,
    base,
    watcher,
    async worker(extra: Record<string, string> = {}) {
      const worker = await startWorkerProcess({ ...env, ...extra });
      workers.push(worker);
      return worker;
    },
    state: (id: string) => jobState(SHARED_REDIS_URL, prefix, id),
    drained: () => drained(SHARED_REDIS_URL, prefix),
  };
}

/** Waits for a worker to take the job, freezes that worker, and checks the job is still active. */
async function holdMidFlight(watcher: JobWatcher, worker: WorkerProcess, id: string, nth: number, state: (id: string) => Promise<string>) {
  await watcher.active(id, nth);
  freeze(worker);
  expect(await state(id), 'the job finished before its worker could be frozen').toBe('active');
}

async function waitState(base: string, id: string, want: 'completed' | 'failed', timeoutMs = 60_000) {
  return waitFor(`job ${id.slice(0, 12)} ${want}`, async () => {
    const job = await getJob(base, id);
    return job?.state === want ? job : undefined;
  }, timeoutMs, 200);
}

const conversionsOf = async (worker: WorkerProcess) => sumMetric(await worker.metrics(), 'svgai_conversions_total');

describe('worker process SIGKILLed mid-job', () => {
  it('another worker takes the job over once the lock expires, and the waiting caller gets its SVG', async () => {
    const t = await setup('faults-sigkill');
    const first = await t.worker();
    const image = await photoVariant(photo, 21);
    const id = jobIdOf(image);
    expect((await postImage(t.base, image, { async: '1' })).status).toBe(202);
    // A sync caller of the same image waits on the same job.
    const waiting = postImage(t.base, image, {}, 60_000);

    await holdMidFlight(t.watcher, first, id, 1, t.state);
    await stopProcess(first, 'SIGKILL');
    const second = await t.worker();
    await t.watcher.active(id, 2);
    const answer = await waiting;
    expect(answer.status, answer.body.slice(0, 300)).toBe(200);
    expect(answer.body).toMatch(/^<svg/);
    expect((await waitState(t.base, id, 'completed')).result?.tier).toBeGreaterThan(0);
    expect(await jobField(SHARED_REDIS_URL, t.prefix, id, 'stc')).toBe('1'); // taken over once
    expect(await conversionsOf(second)).toBe(1);
    expect(await t.drained()).toMatchObject({ completed: 1, failed: 0 });
  });

  it('a poison job whose worker dies twice ends failed (maxStalledCount 1) instead of crash-looping the fleet', async () => {
    const t = await setup('faults-poison');
    const image = await photoVariant(photo, 22);
    const id = jobIdOf(image);
    let worker = await t.worker();
    expect((await postImage(t.base, image, { async: '1' })).status).toBe(202);
    // The "poison": every worker that takes this job dies (SIGKILL while it runs it).
    for (const nth of [1, 2]) {
      await holdMidFlight(t.watcher, worker, id, nth, t.state);
      await stopProcess(worker, 'SIGKILL');
      worker = await t.worker();
    }
    // The third worker finds it stalled a second time: BullMQ marks it to fail, and the worker
    // that takes it next fails it without running it.
    const failed = await waitState(t.base, id, 'failed', 30_000);
    expect(failed.error?.code).toBe('INTERNAL');
    expect(await jobField(SHARED_REDIS_URL, t.prefix, id, 'failedReason')).toBe('job stalled more than allowable limit');
    expect(await conversionsOf(worker)).toBe(0);

    // The fleet is fine: the same worker converts the next image.
    const logo = await smallLogo(96, '#5a2d82');
    expect((await postImage(t.base, logo)).status).toBe(200);
    expect(await conversionsOf(worker)).toBe(1);
    expect(await t.drained()).toMatchObject({ completed: 1, failed: 1 });
    expect(worker.child.exitCode).toBeNull();
  });
});

describe('a trace over its hard deadline (DEADLINE_TIER3_MS=100 in the worker)', () => {
  it('fails with TRACE_TIMEOUT: 422 to the sync caller, failed in GET /api/jobs/:id, not retried', async () => {
    const t = await setup('faults-deadline');
    const worker = await t.worker({ DEADLINE_TIER3_MS: '100' });
    const image = await photoVariant(photo, 31);
    const answer = await postImage(t.base, image, { tier: '3' }, 60_000);
    expect(answer.status, answer.body.slice(0, 300)).toBe(422);
    expect(answer.code).toBe('TRACE_TIMEOUT');

    const other = await photoVariant(photo, 32);
    expect((await postImage(t.base, other, { tier: '3', async: '1' })).status).toBe(202);
    for (const id of [jobIdOf(image, { tier: '3' }), jobIdOf(other, { tier: '3' })]) {
      const failed = await waitState(t.base, id, 'failed');
      expect(failed.error?.code).toBe('TRACE_TIMEOUT');
      expect(failed.attempts).toBe(1);
    }
    // Past the retry backoff (500 ms): still one attempt each (UnrecoverableError, no retry).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const id of [jobIdOf(image, { tier: '3' }), jobIdOf(other, { tier: '3' })]) expect((await getJob(t.base, id))?.attempts).toBe(1);
    expect(sumMetric(await worker.metrics(), 'svgai_conversions_total')).toBe(2);

    // The worker and its pool are fine: a tier-1 image (10 s deadline) converts.
    expect((await postImage(t.base, await smallLogo(96, '#0d6e6e'))).status).toBe(200);
    expect(await t.drained()).toMatchObject({ completed: 1, failed: 2 });
  });
});

describe('SIGTERM with jobs in flight', () => {
  it('a worker stops taking jobs, finishes its active ones, exits 0; a second worker does the rest', async () => {
    const t = await setup('faults-sigterm');
    const leaving = await t.worker({ WORKER_CONCURRENCY: '2', WORKER_THREADS: '2', SHUTDOWN_GRACE_MS: '60000' });
    const images = await Promise.all([41, 42, 43, 44].map((n) => photoVariant(photo, n)));
    const ids = images.map((image) => jobIdOf(image));
    for (const image of images) expect((await postImage(t.base, image, { async: '1' })).status).toBe(202);

    // Two jobs active on it (its concurrency), two waiting; SIGTERM arrives while it is frozen.
    await waitFor('two jobs taken', async () => ids.filter((id) => t.watcher.activations(id) > 0).length === 2, 30_000, 20);
    freeze(leaving);
    const states = await Promise.all(ids.map((id) => t.state(id)));
    const active = ids.filter((_, i) => states[i] === 'active');
    const waiting = ids.filter((_, i) => states[i] === 'waiting');
    expect([active.length, waiting.length], states.join(',')).toEqual([2, 2]);
    leaving.child.kill('SIGTERM');
    thaw(leaving);
    const code = await Promise.race([leaving.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000))]);
    expect(code, leaving.output()).toBe(0);
    // Its active jobs were finished by it (never stalled); it took none of the waiting ones.
    for (const id of active) {
      expect(await t.state(id)).toBe('completed');
      expect(await jobField(SHARED_REDIS_URL, t.prefix, id, 'stc')).toBeNull();
    }
    for (const id of waiting) expect(await t.state(id)).toBe('waiting');

    const staying = await t.worker();
    for (const id of waiting) await waitState(t.base, id, 'completed');
    expect(await conversionsOf(staying)).toBe(2);
    expect(await t.drained()).toMatchObject({ completed: 4, failed: 0 });
  });

  it('a worker whose grace period runs out leaves its active jobs to another worker after the lock expires', async () => {
    const t = await setup('faults-grace');
    const leaving = await t.worker({ WORKER_CONCURRENCY: '2', WORKER_THREADS: '1', SHUTDOWN_GRACE_MS: '0' });
    const images = await Promise.all([51, 52].map((n) => photoVariant(photo, n)));
    const ids = images.map((image) => jobIdOf(image));
    for (const image of images) expect((await postImage(t.base, image, { async: '1' })).status).toBe(202);
    for (const id of ids) await t.watcher.active(id);
    freeze(leaving);
    for (const id of ids) expect(await t.state(id)).toBe('active');
    leaving.child.kill('SIGTERM');
    thaw(leaving);
    const code = await Promise.race([leaving.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000))]);
    expect(code, leaving.output()).toBe(0);
    // With one trace thread and no grace, at least the second job cannot have been finished; a
    // job may have completed in the instant before the signal was handled. None failed.
    const states = await Promise.all(ids.map((id) => t.state(id)));
    for (const state of states) expect(['active', 'waiting', 'delayed', 'completed']).toContain(state);
    const left = states.filter((state) => state !== 'completed').length;
    // (Before the fix the worker waited for both, grace or not: BullMQ's close(true) returned the
    // close() already under way.)
    expect(left).toBeGreaterThan(0);

    const staying = await t.worker();
    for (const id of ids) await waitState(t.base, id, 'completed');
    expect(await conversionsOf(staying)).toBe(left);
    for (const [i, id] of ids.entries()) {
      if (states[i] !== 'completed') expect(await jobField(SHARED_REDIS_URL, t.prefix, id, 'stc')).toBe('1'); // taken over
    }
    expect(await t.drained()).toMatchObject({ completed: 2, failed: 0 });
  });

  it('the API: readiness fails first, in-flight sync requests finish, then it stops', async () => {
    const t = await setup('faults-api-stop', { SHUTDOWN_GRACE_MS: 60_000, KEEP_ALIVE_TIMEOUT_MS: 1000 });
    const worker = await t.worker({ WORKER_CONCURRENCY: '2', WORKER_THREADS: '2' });
    const images = await Promise.all([61, 62].map((n) => photoVariant(photo, n)));
    const inFlight = images.map((image) => postImage(t.base, image, {}, 60_000));
    for (const image of images) await t.watcher.active(jobIdOf(image));
    freeze(worker);

    // A probe whose request line is already in when shutdown starts (a load balancer's check on
    // an open connection) sees 503; new connections are refused.
    const probe = await partialRequest(t.api, 'GET /ready HTTP/1.1\r\nHost: x\r\n');
    const stopping = t.api.shutdown();
    expect(t.api.lifecycle.shuttingDown).toBe(true);
    const ready = await probe.finish('Connection: close\r\n\r\n');
    expect(ready).toMatch(/^HTTP\/1\.1 503/);
    expect(ready).toContain('SHUTTING_DOWN');
    const late = await postImage(t.base, await smallLogo(64, '#333399'));
    expect(late.status).toBe(0); // connection refused: not listening any more

    thaw(worker);
    for (const answer of await Promise.all(inFlight)) {
      expect(answer.status, answer.body.slice(0, 300)).toBe(200);
      expect(answer.body).toMatch(/^<svg/);
    }
    // server.close() waits for the callers' keep-alive connections to go idle and time out
    // (KEEP_ALIVE_TIMEOUT_MS, 1 s here), within the grace period.
    await stopping;
    expect(await t.drained()).toMatchObject({ completed: 2, failed: 0 });
  });
});

/** Opens a connection and sends the start of a request; `finish` sends the rest and reads the answer. */
async function partialRequest(api: RunningServer, head: string): Promise<{ finish(rest: string): Promise<string> }> {
  const socket = net.connect(api.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(head);
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    async finish(rest: string) {
      socket.write(rest);
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5000))]);
      socket.destroy();
      return answer;
    },
  };
}
