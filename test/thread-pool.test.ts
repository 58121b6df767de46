/**
 * The worker-thread pool's failure modes, with real threads running the named fixtures in
 * test/fixtures/workers/: a crash is retried then reported, a hang is terminated at the tier's
 * deadline, a heap blow-up is "too complex", and the pool keeps serving afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors/app-error.js';
import { TracePool } from '../src/queue/thread-pool.js';
import { smallLogo, testConfig } from './helpers/service.js';

const worker = (name: string) => new URL(`./fixtures/workers/${name}.ts`, import.meta.url);
const options = { tier: 1 as const, engine: 'auto' as const };

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('trace thread faults', () => {
  it.each(['crash', 'exit'])('a %s is retried TRACE_ATTEMPTS times, then answered as INTERNAL', async (name) => {
    const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'svgai-')), 'attempts');
    process.env.FAULT_ATTEMPTS_LOG = log;
    const pool = new TracePool(testConfig({ TRACE_ATTEMPTS: 3 }), worker(name));
    try {
      const err = await failure(pool.convert(await smallLogo(), options));
      expect(err.code).toBe('INTERNAL');
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
      expect(pool.stats().active).toBe(0);
    } finally {
      delete process.env.FAULT_ATTEMPTS_LOG;
      rmSync(path.dirname(log), { recursive: true, force: true });
      await pool.destroy();
    }
  });

  it('a trace that never ends is terminated at the tier deadline (TRACE_TIMEOUT, 422)', async () => {
    const pool = new TracePool(testConfig({ DEADLINE_TIER1_MS: 300 }), worker('hang'));
    try {
      const err = await failure(pool.convert(await smallLogo(), options));
      expect(err.code).toBe('TRACE_TIMEOUT');
      expect(err.status).toBe(422);
      expect(pool.stats().active).toBe(0);
    } finally {
      await pool.destroy();
    }
  });

  it('a thread out of memory is TOO_COMPLEX and not retried forever', async () => {
    const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'svgai-')), 'attempts');
    process.env.FAULT_ATTEMPTS_LOG = log;
    const pool = new TracePool(testConfig({ THREAD_MAX_HEAP_MB: 64, TRACE_ATTEMPTS: 3 }), worker('oom'));
    try {
      const err = await failure(pool.convert(await smallLogo(), options));
      expect(err.code).toBe('TOO_COMPLEX');
      // The image's fault: tried once, not TRACE_ATTEMPTS times.
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      delete process.env.FAULT_ATTEMPTS_LOG;
      rmSync(path.dirname(log), { recursive: true, force: true });
      await pool.destroy();
    }
  });

  it('a task waiting too long for a thread is answered QUEUE_TIMEOUT (503) and never runs', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 1, DEADLINE_TIER1_MS: 2000, QUEUE_WAIT_MS: 200 }), worker('hang'));
    try {
      await pool.warm; // the thread is up, so only the second task waits
      const logo = await smallLogo();
      let started = false;
      const first = failure(pool.convert(logo, options, { onProgress: () => (started = true) }));
      // Sent once the first holds the thread: the two header probes may finish in either order.
      while (!started) await new Promise((r) => setTimeout(r, 10));
      const second = await failure(pool.convert(logo, options));
      expect(second.code).toBe('QUEUE_TIMEOUT');
      expect(second.status).toBe(503);
      expect((await first).code).toBe('TRACE_TIMEOUT');
    } finally {
      await pool.destroy();
    }
  });

  it('a full queue refuses at once with QUEUE_FULL (429) and Retry-After', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 1, QUEUE_MAX_PENDING: 1, DEADLINE_TIER1_MS: 1000 }), worker('hang'));
    try {
      const logo = await smallLogo();
      const running = failure(pool.convert(logo, options));
      await new Promise((r) => setTimeout(r, 100));
      const queued = failure(pool.convert(logo, options));
      const refused = await failure(pool.convert(logo, options));
      expect(refused.code).toBe('QUEUE_FULL');
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      await Promise.all([running, queued]);
    } finally {
      await pool.destroy();
    }
  });

  it('an aborted caller terminates its running trace', async () => {
    const pool = new TracePool(testConfig({ DEADLINE_TIER1_MS: 60_000 }), worker('hang'));
    try {
      const controller = new AbortController();
      const pending = pool.convert(await smallLogo(), options, { signal: controller.signal }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      controller.abort();
      await pending;
      expect(pool.stats().active).toBe(0);
    } finally {
      await pool.destroy();
    }
  });
});
