/**
 * Real Redis and real worker processes for production-mode tests. Every test run uses its own key
 * prefix on the shared Redis (127.0.0.1:6379), and tests that stop Redis start their own
 * redis-server on a spare loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { parseOptions } from '../../src/pipeline/options.js';
import { QUEUE_NAME } from '../../src/queue/conversion-jobs.js';
import { conversionKey } from '../../src/store/result-cache.js';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLI = path.resolve(import.meta.dirname, '../../dist/cli/index.js');

export function uniquePrefix(name: string): string {
  return `svgai-test-${name}-${process.pid}-${Date.now().toString(36)}`;
}

/** Deletes every key under the prefix, so a test run leaves nothing behind. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Redis already gone: nothing to clean.
  } finally {
    redis.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  metricsPort: number;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  metrics(): Promise<string>;
  /** The last few KB of its stdout and stderr, for failure messages. */
  output(): string;
}

/** Starts `svg-ai worker` (the built CLI) as a real child process and waits until it serves /health. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'warn', WORKER_THREADS: '1', WORKER_CONCURRENCY: '2', HOST: '127.0.0.1', WORKER_METRICS_PORT: String(metricsPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-16000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-16000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const base = `http://127.0.0.1:${metricsPort}`;
  await waitFor(`worker on ${metricsPort} (${output})`, async () => (await fetch(`${base}/health`)).ok, 20_000);
  return { child, metricsPort, exited, metrics: async () => (await fetch(`${base}/metrics`)).text(), output: () => output };
}

export async function stopProcess(proc: { child: ChildProcess; exited: Promise<unknown> }, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  await proc.exited;
}

/** Sum of a counter's samples in a Prometheus text exposition. */
export function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  start(): Promise<void>;
  /** SIGKILL (a crash) or SIGTERM; waits until the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  cleanup(): Promise<void>;
}

/** A private redis-server on a spare loopback port, with AOF so a crash-restart keeps the queue. */
export async function privateRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'svgai-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const url = `redis://127.0.0.1:${port}`;
  const server: RedisServer = {
    port,
    url,
    dir,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', ...extraArgs], {
        stdio: 'ignore',
      });
      exited = new Promise((resolve) => child!.once('exit', resolve));
      await waitFor('private redis', async () => {
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined); // refused until the server listens: expected, not worth a log line
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } finally {
          probe.disconnect();
        }
      });
    },
    async stop(signal = 'SIGKILL') {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    async cleanup() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

// ---------------------------------------------------------------------------------------------
// Fault tests (test/redis-faults*.test.ts): the API as a child process, queue accounting, timing.

const MAIN = path.resolve(import.meta.dirname, '../../dist/main.js');

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  base: string;
  exited: Promise<number | string>;
  /** The last few KB of its stdout and stderr, for failure messages. */
  output(): string;
}

/**
 * Starts the API (`node dist/main.js`, what `npm start` runs) as a real child process and waits
 * until it serves /health (and, embedded, /ready). Redis may be down: the API starts anyway.
 */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-16000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-16000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`API on ${port}`, async () => (await fetch(`${base}/health`)).ok, 20_000);
  // Embedded, it is ready once its trace threads are warm, as a load balancer would wait for.
  if (!env.REDIS_URL) await waitFor(`API on ${port} ready (${output})`, async () => (await fetch(`${base}/ready`)).ok, 60_000);
  return { child, port, base, exited, output: () => output };
}

/** Resident set size now and at its peak (VmHWM), in MB, from /proc (Linux). */
export async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed', number>;

/** BullMQ's own job counts for the conversion queue under `prefix` (a short-lived connection). */
export async function queueCounts(url: string, prefix: string): Promise<JobCounts> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  try {
    return (await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')) as JobCounts;
  } finally {
    await queue.close().catch(() => undefined);
    connection.disconnect();
  }
}

/** Waits until nothing is waiting, active or delayed, and returns the counts. */
export async function drained(url: string, prefix: string, timeoutMs = 60_000): Promise<JobCounts> {
  return waitFor(
    'queue drained',
    async () => {
      const c = await queueCounts(url, prefix);
      return c.waiting + c.active + c.delayed + c.prioritized === 0 ? c : undefined;
    },
    timeoutMs,
    200,
  );
}

/** Keys under the prefix matching `pattern` (e.g. `input:*`). */
export async function keysUnder(url: string, prefix: string, pattern: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:${pattern}`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

/** A BullMQ job hash field (e.g. `stc`, the stalled counter; `atm`, attempts made). */
export async function jobField(url: string, prefix: string, id: string, field: string): Promise<string | null> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await redis.hget(`${prefix}:${QUEUE_NAME}:${id}`, field);
  } finally {
    redis.disconnect();
  }
}

/** The job id the API gives a conversion (same function the API uses): for sync callers, who see no id. */
export function jobIdOf(image: Uint8Array, query: Record<string, string> = {}): string {
  const { async: _async, ...options } = query;
  return conversionKey(image, parseOptions(options));
}

export interface Answer {
  status: number;
  ms: number;
  headers: Headers;
  body: string;
  /** The problem+json `code`, when there is one. */
  code?: string | undefined;
  /** Set when no HTTP answer came at all (connection refused or reset). */
  error?: string | undefined;
}

/**
 * POSTs an image and reads the whole answer, bounded by `deadlineMs`: a hung socket fails the test
 * with a clear message instead of the test timing out. A connection error is an answer too (status 0).
 */
export async function postImage(base: string, image: Uint8Array, query: Record<string, string> = {}, deadlineMs = 30_000): Promise<Answer> {
  const started = performance.now();
  const qs = new URLSearchParams(query).toString();
  try {
    const res = await fetch(`${base}/api/convert${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png' },
      body: image,
      signal: AbortSignal.timeout(deadlineMs),
    });
    const body = await res.text();
    let code: string | undefined;
    if (res.headers.get('content-type')?.includes('problem+json')) code = (JSON.parse(body) as { code?: string }).code;
    return { status: res.status, ms: performance.now() - started, headers: res.headers, body, code };
  } catch (err) {
    const error = err as Error & { cause?: { code?: string } };
    if (error.name === 'TimeoutError') throw new Error(`no answer from POST /api/convert?${qs} within ${deadlineMs} ms (hung socket)`);
    return { status: 0, ms: performance.now() - started, headers: new Headers(), body: '', error: error.cause?.code ?? error.message };
  }
}

export interface JobJson {
  id: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  attempts: number;
  error?: { code: string; detail: string };
  result?: { tier: number };
}

export async function getJob(base: string, id: string): Promise<JobJson | undefined> {
  const res = await fetch(`${base}/api/jobs/${id}`, { signal: AbortSignal.timeout(5000) });
  return res.status === 200 ? ((await res.json()) as JobJson) : undefined;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface JobWatcher {
  /** Resolves at the job's `nth` activation (1: taken by a worker; 2: taken over after a stall...). */
  active(id: string, nth?: number, timeoutMs?: number): Promise<void>;
  /** How many times the job has been activated so far. */
  activations(id: string): number;
  close(): Promise<void>;
}

/**
 * Follows the queue's event stream from its start (so nothing is missed, whenever the job was
 * added). A test can act on a job within milliseconds of a worker taking it: freeze that worker
 * (SIGSTOP) to hold the job mid-flight however fast the trace would have been.
 */
export async function watchJobs(url: string, prefix: string): Promise<JobWatcher> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  const events = new QueueEvents(QUEUE_NAME, { connection, prefix, lastEventId: '0-0' });
  events.on('error', () => undefined);
  const seen = new Map<string, number>();
  const listeners = new Set<() => void>();
  events.on('active', ({ jobId }) => {
    seen.set(jobId, (seen.get(jobId) ?? 0) + 1);
    for (const listener of listeners) listener();
  });
  await events.waitUntilReady();
  return {
    activations: (id) => seen.get(id) ?? 0,
    active: (id, nth = 1, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if ((seen.get(id) ?? 0) < nth) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`job ${id.slice(0, 12)} was not activated ${nth} time(s) within ${timeoutMs} ms (seen ${seen.get(id) ?? 0})`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    close: async () => {
      await events.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}

/** The job's state as BullMQ has it (`active`, `waiting`, `completed`, `failed`, `delayed`, `unknown`). */
export async function jobState(url: string, prefix: string, id: string): Promise<string> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  try {
    return await queue.getJobState(id);
  } finally {
    await queue.close().catch(() => undefined);
    connection.disconnect();
  }
}

/** SIGSTOP: the process keeps its sockets and locks but does nothing (a frozen VM, a long GC pause). */
export function freeze(proc: { child: ChildProcess }): void {
  proc.child.kill('SIGSTOP');
}

export function thaw(proc: { child: ChildProcess }): void {
  proc.child.kill('SIGCONT');
}

/** Distinct inputs that take a worker a while: the photo-like fixture (3:2) `width` wide, its hue turned by `n`. */
export async function photoVariant(photo: Buffer, n: number, width = 768): Promise<Buffer> {
  return sharp(photo).resize(width, Math.round((width * 2) / 3)).modulate({ hue: n * 7 }).jpeg({ quality: 85 }).toBuffer();
}
