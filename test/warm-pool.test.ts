/**
 * Warm from the first request, and failures that say the truth: readiness waits for warm threads,
 * a cancelled or terminated thread is replaced (and warmed) so the pool keeps its size, a caller
 * that hangs up is CLIENT_CLOSED (counted apart, logged at info without a stack), and large images
 * are admitted by decoded-pixel budget, one after another, instead of sharing the CPU.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import sharp from 'sharp';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import express from 'express';
import { buildApp } from '../src/app.js';
import { sendProblem } from '../src/http/problem.js';
import { probeImage } from '../src/pipeline/probe.js';
import { AppError } from '../src/errors/app-error.js';
import { registry } from '../src/observability/metrics.js';
import { LocalConverter } from '../src/queue/local-converter.js';
import { TracePool } from '../src/queue/thread-pool.js';
import { MemoryResultCache } from '../src/store/result-cache.js';
import { blankPng, busyPng, errorOf, hangUpMidTrace, hangUpUntilLowered, lowered, until } from './helpers/cancelled-trace.js';
import { counterValue, smallLogo, testConfig } from './helpers/service.js';

const hangWorker = new URL('./fixtures/workers/hang.ts', import.meta.url);
const options = { tier: 1 as const, engine: 'auto' as const };

describe('warm from the first request', () => {
  it('/ready answers 503 until every trace thread is warm, then 200', async () => {
    const config = testConfig({ WORKER_THREADS: 2 });
    const pool = new TracePool(config);
    const converter = new LocalConverter(pool, new MemoryResultCache(0, 60), 60);
    const app = buildApp({ config, converter, logger: pino({ level: 'silent' }) });
    try {
      const early = await request(app).get('/ready');
      expect(early.status).toBe(503);
      expect(early.body.code).toBe('NOT_READY');
      expect(pool.stats().warm).toBeLessThan(3);
      await until('ready', async () => (await request(app).get('/ready')).status === 200);
      // Two conversions at once, on three threads: the spare takes over from a cancelled trace.
      expect(pool.stats()).toMatchObject({ threads: 3, warm: 3 });
    } finally {
      await pool.destroy();
    }
  });

  it('threads are not let go when idle: every thread (and the spare) exists from the start (THREAD_IDLE_TIMEOUT_MS=0)', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 3 }), hangWorker);
    try {
      await pool.warm;
      expect(pool.stats()).toMatchObject({ threads: 4, warm: 4 });
    } finally {
      await pool.destroy();
    }
  });

  it('a caller that hangs up is answered CLIENT_CLOSED at once, and a trace that ignores it is terminated after CANCEL_GRACE_MS; the pool is back to full size and warm', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 2, CANCEL_GRACE_MS: 100, DEADLINE_TIER1_MS: 600_000 }), hangWorker);
    try {
      await pool.warm;
      for (let round = 0; round < 3; round++) {
        const controller = new AbortController();
        let started = false;
        const pending = errorOf(pool.convert(await smallLogo(), options, { signal: controller.signal, onProgress: () => (started = true) }));
        await until('the trace started', () => started);
        controller.abort();
        expect((await pending)?.code).toBe('CLIENT_CLOSED');
      }
      await until('the terminated threads are replaced and warm', () => pool.stats().threadsEnded === 3 && pool.stats().warm === 3);
      expect(pool.stats()).toMatchObject({ threads: 3, warm: 3, active: 0, waiting: 0 });
    } finally {
      await pool.destroy();
    }
  });

  it('a real trace whose caller hangs up stops by itself and keeps its warm thread; meanwhile the next request runs on the spare', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 1, CANCEL_GRACE_MS: 600_000 }));
    try {
      await pool.warm;
      expect(await hangUpMidTrace(pool)).toBe('CLIENT_CLOSED');
      // WORKER_THREADS is 1, and the slot is free again at once, although the trace is still stopping.
      // Seen by its own progress: a small logo can start and finish between two looks at the pool's stats.
      let started = false;
      const meanwhile = pool.convert(await smallLogo(64), options, { onProgress: () => (started = true) });
      await until('the next one runs', () => started);
      expect((await meanwhile).svg).toMatch(/^<svg/);
      await until('the cancelled trace has stopped', () => pool.stats().active === 0 && pool.stats().pixelsInFlight === 0);
      expect(pool.stats()).toMatchObject({ threads: 2, warm: 2, threadsEnded: 0 });
      // And the same thread serves the next request.
      const next = await pool.convert(await smallLogo(), options);
      expect(next.svg).toMatch(/^<svg/);
      expect(pool.stats().threadsEnded).toBe(0);
    } finally {
      await pool.destroy();
    }
  });
});

describe('warm after cancellations', () => {
  // After a burst of hang-ups the event loop still has every dead request to read and refuse, and the
  // next live caller waits behind that work: each step a dead request skips is time given back.
  it("reads an upload's header once: admission and the pool's pixel budget share the result", async () => {
    const bytes = await smallLogo();
    const first = await probeImage(bytes, 'png');
    expect(await probeImage(bytes, 'png')).toBe(first);
    const copy = Buffer.from(bytes);
    const again = await probeImage(copy, 'png');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('writes no refusal to a client that is gone: nothing is serialised', async () => {
    const app = express();
    let seen: { headersSent: boolean; type: unknown } | undefined;
    app.post('/slow', (_req, res) => {
      res.on('close', () => {
        sendProblem(res, new AppError('INVALID_IMAGE', 'The PNG data is damaged.'));
        seen = { headersSent: res.headersSent, type: res.getHeader('Content-Type') };
      });
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const req = http.request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/slow', method: 'POST' });
      req.on('error', () => undefined);
      req.end('x');
      await new Promise((r) => setTimeout(r, 100));
      req.destroy();
      await until('the server saw the hang-up', () => seen !== undefined);
      // Nothing was serialised: writing would only have failed with ERR_STREAM_DESTROYED, an error
      // built, stack and all, for nobody.
      expect(seen).toEqual({ headersSent: false, type: undefined });
    } finally {
      server.close();
    }
  });

  it('a burst of callers that hang up hands no cancelled task to a thread that a running one holds: never more on threads than threads, none is terminated, and the next caller gets a warm thread', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 1, CANCEL_GRACE_MS: 600_000, MAX_MEGAPIXELS_IN_FLIGHT: 1000 }));
    try {
      await pool.warm;
      const large = await blankPng(3000, 2000);
      const started = new Set<number>();
      let mostOnThreads = 0;
      const onProgress = (i: number) => () => {
        started.add(i);
        mostOnThreads = Math.max(mostOnThreads, pool.stats().active);
      };
      const burst = Array.from({ length: 8 }, (_, i) => {
        const controller = new AbortController();
        const answer = errorOf(pool.convert(large, { tier: 3, engine: 'auto' }, { signal: controller.signal, onProgress: onProgress(i) }));
        return { controller, answer };
      });
      await until('the first trace started', () => started.size > 0);
      // One hang-up per turn of the event loop, as closed connections arrive.
      for (const b of burst) {
        b.controller.abort();
        await new Promise((r) => setImmediate(r));
      }
      for (const b of burst) expect((await b.answer)?.code).toBe('CLIENT_CLOSED');
      // Every caller is answered; the cancelled traces run to their next check on their own threads.
      const next = await pool.convert(await smallLogo(), options);
      expect(next.svg).toMatch(/^<svg/);
      await until('the cancelled traces have stopped', () => pool.stats().active === 0 && pool.stats().pixelsInFlight === 0);
      // Two threads (WORKER_THREADS + the spare): never more conversions on them than that (one
      // may start where a cancelled trace has already stopped); the rest were dropped from the wait
      // instead of being queued behind them.
      expect(mostOnThreads).toBeLessThanOrEqual(2);
      expect(started.size).toBeLessThan(burst.length);
      expect(pool.stats()).toMatchObject({ threads: 2, warm: 2, threadsEnded: 0, waiting: 0 });
    } finally {
      await pool.destroy();
    }
  });
  it('a slot freed by a hang-up goes to a caller who is still there, not to a waiter who hangs up in the same burst', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 1, CANCEL_GRACE_MS: 600_000, MAX_MEGAPIXELS_IN_FLIGHT: 1000 }));
    try {
      await pool.warm;
      const large = await busyPng(3000, 2000);
      const started: string[] = [];
      const run = (name: string, input: Buffer, signal?: AbortSignal) =>
        pool.convert(input, name === 'live' ? options : { tier: 3, engine: 'auto' }, { signal, onProgress: () => void (started.includes(name) || started.push(name)) });
      const first = new AbortController();
      const second = new AbortController();
      // In this order: submitted together, the two large ones were sometimes admitted the other
      // way round (their headers are read asynchronously), and 'second' ran to its end.
      const logo = await smallLogo();
      const answers = [errorOf(run('first', large, first.signal))];
      await until('the first trace started', () => started.includes('first'));
      answers.push(errorOf(run('second', large, second.signal)));
      await until('the second waits', () => pool.stats().waiting === 1);
      const live = run('live', logo);
      await until('the live one waits behind it', () => pool.stats().waiting === 2);
      // Two hang-ups a turn of the event loop apart, as two closed connections arrive: the first
      // frees a slot while the second caller still waits for it.
      first.abort();
      await new Promise((r) => setImmediate(r));
      second.abort();
      for (const answer of answers) expect((await answer)?.code).toBe('CLIENT_CLOSED');
      expect((await live).svg).toMatch(/^<svg/);
      expect(started).toEqual(['first', 'live']);
      await until('the cancelled trace has stopped', () => pool.stats().active === 0 && pool.stats().pixelsInFlight === 0);
    } finally {
      await pool.destroy();
    }
  });
});

describe.runIf(process.platform === 'linux')('cancelled traces yield the CPU', () => {
  it('a trace running on for a caller who left drops its thread, and only it, to the lowest priority; after it stops every thread serves at normal priority', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 1, CANCEL_GRACE_MS: 600_000 }));
    try {
      await pool.warm;
      expect(lowered()).toEqual([]);
      const { codes, niceness, low } = await hangUpUntilLowered(pool);
      for (const code of codes) expect(code).toBe('CLIENT_CLOSED');
      // One thread, the one still tracing, runs at the lowest priority; this (the main) thread does not.
      expect(low).toHaveLength(1);
      expect(niceness.get(low[0]!)).toBe(19);
      expect(niceness.get(process.pid)).toBe(0);
      // A live request meanwhile runs on the spare thread, at normal priority.
      expect((await pool.convert(await smallLogo(64), options)).svg).toMatch(/^<svg/);
      await until('the cancelled trace has stopped', () => pool.stats().active === 0 && pool.stats().pixelsInFlight === 0);
      // Its thread put its priority back (or, where it may not, was replaced by a fresh warm one).
      await until('no thread is left at low priority', () => lowered().length === 0, 10_000);
      await until('both threads are warm', () => pool.stats().warm === 2);
      for (let i = 0; i < 3; i++) expect((await pool.convert(await smallLogo(), options)).svg).toMatch(/^<svg/);
      expect(lowered()).toEqual([]);
    } finally {
      await pool.destroy();
    }
  });
});

/** The nobody user, when this process may become it (root) and it can read the project: else undefined. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const user = { uid: 65534, gid: 65534 };
  const probe = spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(retireFixture.pathname)})`], { ...user, stdio: 'ignore' });
  return probe.status === 0 ? user : undefined;
}

const retireFixture = new URL('./fixtures/unprivileged/retire-after-cancel.ts', import.meta.url);
const nobody = unprivilegedUser();
if (!nobody) console.log('warm-pool: the unprivileged-thread test needs root (to run a pool as nobody) and a project nobody can read; skipped');

describe.runIf(nobody)('cancelled traces yield the CPU, without the right to raise a priority back', () => {
  it('a thread that ran on for a caller who left cannot restore its priority as an unprivileged user: it is retired and replaced by a warm one, and nothing serves at low priority', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', retireFixture.pathname], {
      ...nobody!,
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, HOME: os.tmpdir() },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { uid: number; codes: string[]; loweredWhileRunning: number; loweredAfter: number; stats: { threads: number; warm: number; threadsEnded: number }; served: boolean };
    expect(seen).toMatchObject({ uid: 65534, loweredWhileRunning: 1, loweredAfter: 0, served: true });
    expect(new Set(seen.codes)).toEqual(new Set(['CLIENT_CLOSED']));
    expect(seen.stats.threadsEnded).toBeGreaterThanOrEqual(1);
    expect(seen.stats).toMatchObject({ threads: 2, warm: 2 });
  });
});

describe('failures that say the truth', () => {
  it('a client that hangs up mid-conversion is logged at info without a stack and counted as outcome client_closed, not INTERNAL', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const config = testConfig({ WORKER_THREADS: 1, CANCEL_GRACE_MS: 100, DEADLINE_TIER1_MS: 600_000 });
    const pool = new TracePool(config, hangWorker);
    const converter = new LocalConverter(pool, new MemoryResultCache(0, 60), 60);
    const app = buildApp({ config, converter, logger: pino({ level: 'debug' }, sink) });
    const server = http.createServer(app).listen(0, '127.0.0.1');
    try {
      await pool.warm;
      const closedBefore = await counterValue('svgai_conversions_total', { outcome: 'client_closed' });
      const failedBefore = await counterValue('svgai_conversions_total', { outcome: 'failed' });
      const internalBefore = await counterValue('svgai_rejected_total', { code: 'INTERNAL' });
      const body = await smallLogo();
      const req = http.request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/api/convert', method: 'POST', headers: { 'Content-Type': 'image/png', 'Content-Length': body.length } });
      req.on('error', () => undefined);
      req.end(body);
      await until('the trace started', () => pool.stats().active === 1);
      req.destroy();
      await until('the hang-up is logged', () => lines.some((l) => l.code === 'CLIENT_CLOSED'));
      const line = lines.find((l) => l.code === 'CLIENT_CLOSED')!;
      expect(line.level).toBe(30); // info
      expect(JSON.stringify(line)).not.toMatch(/stack|"err"/);
      expect(lines.some((l) => l.code === 'INTERNAL' || (l.level as number) >= 50)).toBe(false);
      // The access log line says nothing was answered: status 499, not the 200 a response starts with.
      await until('the access log line', () => lines.some((l) => l.msg === 'request' && l.aborted === true));
      expect(lines.find((l) => l.msg === 'request' && l.aborted === true)).toMatchObject({ route: '/api/convert', status: 499 });
      await until('counted', async () => (await counterValue('svgai_conversions_total', { outcome: 'client_closed' })) === closedBefore + 1);
      expect(await counterValue('svgai_conversions_total', { outcome: 'failed' })).toBe(failedBefore);
      expect(await counterValue('svgai_rejected_total', { code: 'INTERNAL' })).toBe(internalBefore);
    } finally {
      server.close();
      await pool.destroy();
    }
  });

  it('a client that hung up before its conversion was queued starts no trace and costs no hash or cache lookup (CLIENT_CLOSED, nothing left running)', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 1 }), hangWorker);
    const cache = new MemoryResultCache(0, 60);
    let lookups = 0;
    const get = cache.get.bind(cache);
    cache.get = (key) => (lookups++, get(key));
    const converter = new LocalConverter(pool, cache, 60);
    try {
      await pool.warm;
      const gone = new AbortController();
      gone.abort();
      expect((await errorOf(converter.convert(await smallLogo(), options, gone.signal)))?.code).toBe('CLIENT_CLOSED');
      expect(pool.stats()).toMatchObject({ active: 0, waiting: 0, pixelsInFlight: 0 });
      expect(lookups).toBe(0);
    } finally {
      await pool.destroy();
    }
  });

  it('two large images are admitted one after the other by the decoded-pixel budget, so they never share the CPU', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 2, MAX_MEGAPIXELS_IN_FLIGHT: 40, DEADLINE_TIER1_MS: 600_000 }), hangWorker);
    try {
      await pool.warm;
      const big = await blankPng(6000, 6000);
      const first = new AbortController();
      const second = new AbortController();
      const a = errorOf(pool.convert(big, options, { signal: first.signal }));
      const b = errorOf(pool.convert(Buffer.concat([big, Buffer.from('other')]), options, { signal: second.signal }));
      await until('the first is running', () => pool.stats().active === 1);
      // Two threads are free, but 36 + 36 megapixels are over the budget: the second waits.
      expect(pool.stats()).toMatchObject({ active: 1, waiting: 1, pixelsInFlight: 36_000_000 });
      first.abort();
      await until('the second runs once the first is done', () => pool.stats().active === 1 && pool.stats().waiting === 0);
      expect(pool.stats().pixelsInFlight).toBe(36_000_000);
      second.abort();
      expect((await a)?.code).toBe('CLIENT_CLOSED');
      expect((await b)?.code).toBe('CLIENT_CLOSED');
    } finally {
      await pool.destroy();
    }
  });

  it('a GIF counts twice its pixels in flight: the decoder\'s frame and the copy out of it', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 2, MAX_MEGAPIXELS_IN_FLIGHT: 40, DEADLINE_TIER1_MS: 600_000 }), hangWorker);
    try {
      await pool.warm;
      const frame = (background: string) => sharp({ create: { width: 3000, height: 2000, channels: 3, background } }).png().toBuffer();
      const animated = await sharp([await frame('#fff'), await frame('#000')], { join: { animated: true } }).gif({ delay: 100 }).toBuffer();
      const controller = new AbortController();
      const run = errorOf(pool.convert(animated, options, { signal: controller.signal }));
      await until('it runs', () => pool.stats().active === 1);
      expect(pool.stats().pixelsInFlight).toBe(12_000_000);
      controller.abort();
      expect((await run)?.code).toBe('CLIENT_CLOSED');
    } finally {
      await pool.destroy();
    }
  });

  it('small images run side by side within the budget, and an image over the whole budget still runs alone', async () => {
    const pool = new TracePool(testConfig({ WORKER_THREADS: 2, MAX_MEGAPIXELS_IN_FLIGHT: 1, DEADLINE_TIER1_MS: 600_000 }), hangWorker);
    try {
      await pool.warm;
      const controllers = [new AbortController(), new AbortController()];
      const small = await Promise.all([smallLogo(128), smallLogo(128, '#d23c28')]);
      const runs = small.map((png, i) => errorOf(pool.convert(png, options, { signal: controllers[i]!.signal })));
      await until('both small ones run', () => pool.stats().active === 2);
      controllers.forEach((c) => c.abort());
      await Promise.all(runs);
      const alone = new AbortController();
      const big = errorOf(pool.convert(await blankPng(2000, 1000), options, { signal: alone.signal }));
      await until('the 2-megapixel image runs although the budget is 1', () => pool.stats().active === 1);
      alone.abort();
      expect((await big)?.code).toBe('CLIENT_CLOSED');
    } finally {
      await pool.destroy();
    }
  });

  it('labelled counters have a zero series for every known label value before the first event', async () => {
    const text = await registry.metrics();
    for (const code of ['INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'TRACE_TIMEOUT', 'QUEUE_FULL', 'RATE_LIMITED', 'UNSUPPORTED_TYPE']) {
      expect(text).toMatch(new RegExp(`svgai_rejected_total\\{code="${code}"\\} \\d`));
    }
    for (const outcome of ['ok', 'below_target']) expect(text).toMatch(new RegExp(`svgai_conversions_total\\{tier="3",engine="vtracer",outcome="${outcome}"\\} \\d`));
    for (const outcome of ['failed', 'client_closed']) expect(text).toMatch(new RegExp(`svgai_conversions_total\\{tier="unknown",engine="none",outcome="${outcome}"\\} \\d`));
    for (const result of ['hit', 'miss', 'error']) expect(text).toMatch(new RegExp(`svgai_cache_requests_total\\{result="${result}"\\} \\d`));
    expect(text).toMatch(/svgai_pixels_in_flight \d/);
    expect(text).toMatch(/svgai_bytes_in_flight \d/);
    expect(text).not.toMatch(/svgai_rejected_total\{code="CLIENT_CLOSED"\}/);
  });
});
