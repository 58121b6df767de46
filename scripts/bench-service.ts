/**
 * The built service as a child process, for the memory and warm-up benchmarks: start it, wait for
 * /ready, sample its resident memory from /proc, stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pngChunk } from './make-fixtures.js';
import { freePort } from '../test/helpers/redis.js';

const ROOT = path.resolve(import.meta.dirname, '..');
export const MAIN = path.join(ROOT, 'dist/main.js');

/**
 * The allocator the Dockerfile gives the service (its `ENV LD_PRELOAD` and `ENV MALLOC_*` lines;
 * `npm start` picks the same through scripts/allocator.sh): the benchmarks measure the service as it
 * is deployed. `--env` overrides them.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^ENV (LD_PRELOAD|MALLOC_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
);

/** Which allocator a running process really has: a preload that was not found is only a warning. */
export async function allocatorOf(pid: number | undefined): Promise<string> {
  const maps = await readFile(`/proc/${pid}/maps`, 'utf8').catch(() => '');
  if (maps.includes('libjemalloc')) return 'jemalloc';
  return ALLOCATOR_ENV.LD_PRELOAD?.includes('jemalloc') ? 'glibc malloc: jemalloc NOT loaded (apt-get install libjemalloc2)' : 'glibc malloc';
}

export interface Service {
  base: string;
  child: ChildProcess;
  /** Milliseconds from spawn until /ready answered 200. */
  readyAfterMs: number;
  /** The allocator the process runs with (allocatorOf). */
  allocator: string;
  output: () => string;
  stop: () => Promise<void>;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number, output: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts `npm start`'s entry point (embedded mode, ALLOCATOR_ENV) with `env` over the defaults; resolves once /ready is 200. */
export async function startService(env: Record<string, string> = {}): Promise<Service> {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` first (the bench runs the built service).');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...ALLOCATOR_ENV, REDIS_URL: '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until('/ready', async () => (await fetch(`${base}/ready`)).ok, 60_000, () => output);
  const readyAfterMs = performance.now() - started;
  return {
    base,
    child,
    readyAfterMs,
    allocator: await allocatorOf(child.pid),
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Current resident set (VmRSS) in MB; NaN where /proc cannot say. */
export async function rssMb(pid: number | undefined): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** Samples VmRSS every `everyMs` until stopped; `peak` is the largest sample (and VmHWM, whichever is larger). */
export function sampleRss(pid: number | undefined, everyMs = 50): { stop: () => Promise<{ peak: number; samples: number[] }> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await rssMb(pid));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      let hwm = NaN;
      try {
        hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
      } catch {
        // no /proc
      }
      return { peak: Math.max(hwm || 0, ...samples.filter(Number.isFinite)), samples };
    },
  };
}

/** A PNG made unique by a tEXt chunk before IEND: same pixels, another cache key, so every request is traced. */
export function uniquePng(png: Buffer, n: number): Buffer {
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), pngChunk('tEXt', Buffer.from(`bench\0${n}`, 'latin1')), png.subarray(iend)]);
}

export const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
