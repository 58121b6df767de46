/**
 * Real Redis and real worker processes for production-mode tests. Every test run uses its own key
 * prefix on the shared Redis (127.0.0.1:6379), and tests that stop Redis start their own
 * redis-server on a spare loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

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
}

/** Starts `svg-ai worker` (the built CLI) as a real child process and waits until it serves /health. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'warn', WORKER_THREADS: '1', WORKER_CONCURRENCY: '2', HOST: '127.0.0.1', WORKER_METRICS_PORT: String(metricsPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const base = `http://127.0.0.1:${metricsPort}`;
  await waitFor(`worker on ${metricsPort} (${output})`, async () => (await fetch(`${base}/health`)).ok, 20_000);
  return { child, metricsPort, exited, metrics: async () => (await fetch(`${base}/metrics`)).text() };
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
