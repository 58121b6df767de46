/**
 * Production-mode benchmark: the built service as real processes, measured through its HTTP API.
 *
 *   npm run build && npx tsx scripts/bench-production.ts ../shared/corpus
 *   npx tsx scripts/bench-production.ts ../shared/corpus --limit 6 --concurrency 1,16 --workers 1
 *
 * For each number of `svg-ai worker` processes (1, 2) and each client concurrency (1, 4, 16): a
 * fresh API process in Redis mode and fresh workers on a new key prefix (cold cache and queue),
 * one warm-up conversion of an image outside the corpus, then every corpus image once through
 * POST /api/convert. Then the same for the embedded mode (`npm start`: one process, no Redis).
 * Reports conversions per minute and client-side latency p50/p95, cache-hit latency p50/p99
 * (every image sent again, three times, at concurrency 1), and each process's peak RSS (VmHWM
 * from /proc, target < 500 MB). Prints Markdown. Redis: REDIS_URL or redis://127.0.0.1:6379; every
 * key the run writes is under its own prefix and deleted afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { loadTierImages, type BenchImage } from '../src/bench/corpus.js';
import { median, percentile } from '../src/bench/stats.js';
import { markdownTable } from '../src/bench/table.js';
// The same process and Redis helpers the production-mode tests use.
import { dropPrefix, freePort } from '../test/helpers/redis.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAIN = path.join(ROOT, 'dist/main.js');
const CLI = path.join(ROOT, 'dist/cli/index.js');
const RSS_TARGET_MB = 500;

interface Args {
  corpus: string;
  limit: number;
  concurrency: number[];
  workers: number[];
  redisUrl: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    corpus: '',
    limit: Infinity,
    concurrency: [1, 4, 16],
    workers: [1, 2],
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  const list = (v: string | undefined, name: string) => {
    const values = (v ?? '').split(',').map(Number);
    if (values.length === 0 || values.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`Expected a list of positive integers for ${name} but received ${JSON.stringify(v)}`);
    return values;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--limit') args.limit = list(argv[++i], '--limit')[0]!;
    else if (a === '--concurrency') args.concurrency = list(argv[++i], '--concurrency');
    else if (a === '--workers') args.workers = list(argv[++i], '--workers');
    else if (a === '--redis') args.redisUrl = argv[++i] ?? '';
    else if (!a.startsWith('--') && !args.corpus) args.corpus = a;
    else throw new Error(`Unknown argument ${a}`);
  }
  if (!args.corpus) throw new Error('Usage: npx tsx scripts/bench-production.ts <corpus> [--limit N] [--concurrency 1,4,16] [--workers 1,2] [--redis URL]');
  return args;
}

// --- processes -------------------------------------------------------------------------------

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  output: () => string;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a built entry point as a child process and waits until `healthUrl` answers 200. */
async function startProc(name: string, args: string[], env: Record<string, string>, healthUrl: string): Promise<Proc> {
  const child = spawn(process.execPath, args, { env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until(`${name} (${output})`, async () => (await fetch(healthUrl)).ok);
  return { name, child, exited, output: () => output };
}

async function stopProc(proc: Proc): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  await proc.exited;
  clearTimeout(timer);
}

/** Peak resident set size (VmHWM) in MB, from /proc; null where /proc is not available. */
async function peakRssMb(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

// --- load ------------------------------------------------------------------------------------

interface Sample {
  ms: number;
  status: number;
  cache: string | null;
}

async function convert(base: string, png: Buffer): Promise<Sample> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}/api/convert`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png, signal: AbortSignal.timeout(120_000) });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status, cache: res.headers.get('x-svg-ai-cache') };
  } catch {
    return { ms: performance.now() - started, status: 0, cache: null };
  }
}

/** Sends every image once with `concurrency` requests in flight; returns samples and wall time. */
async function load(base: string, images: readonly BenchImage[], concurrency: number): Promise<{ samples: Sample[]; wallMs: number }> {
  const samples: Sample[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, images.length) }, async () => {
      while (next < images.length) samples.push(await convert(base, images[next++]!.png));
    }),
  );
  return { samples, wallMs: performance.now() - started };
}

/** An image outside the corpus, so warming up puts nothing of the corpus in the cache. */
async function warmupImage(): Promise<Buffer> {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#fff"/><circle cx="128" cy="128" r="90" fill="#2a5d9f"/><rect x="60" y="110" width="136" height="36" fill="#f2b705"/></svg>';
  return sharp(Buffer.from(svg)).png().toBuffer();
}

// --- runs ------------------------------------------------------------------------------------

interface RunResult {
  mode: 'redis' | 'embedded';
  workers: number;
  threads: number;
  concurrency: number;
  images: number;
  ok: number;
  errors: string;
  wallMs: number;
  p50: number | null;
  p95: number | null;
  /** Peak RSS (MB): the API (or the embedded process), then each worker. */
  rss: (number | null)[];
  cacheHits?: Sample[];
}

function summarise(mode: RunResult['mode'], workers: number, threads: number, concurrency: number, samples: Sample[], wallMs: number): Omit<RunResult, 'rss'> {
  const ok = samples.filter((s) => s.status === 200);
  const errors = new Map<number, number>();
  for (const s of samples) if (s.status !== 200) errors.set(s.status, (errors.get(s.status) ?? 0) + 1);
  return {
    mode,
    workers,
    threads,
    concurrency,
    images: samples.length,
    ok: ok.length,
    errors: [...errors].map(([status, n]) => `${n}x ${status === 0 ? 'no answer' : status}`).join(', ') || 'none',
    wallMs,
    p50: median(ok.map((s) => s.ms)),
    p95: percentile(ok.map((s) => s.ms), 95),
  };
}

async function cacheHits(base: string, images: readonly BenchImage[]): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let pass = 0; pass < 3; pass++) samples.push(...(await load(base, images, 1)).samples);
  return samples;
}

const THREADS = Math.max(1, os.availableParallelism());

async function redisRun(args: Args, images: BenchImage[], workers: number, concurrency: number, withCacheHits: boolean): Promise<RunResult> {
  const prefix = `svgai-bench-${process.pid}-${Date.now().toString(36)}`;
  const env = { REDIS_URL: args.redisUrl, REDIS_PREFIX: prefix };
  const procs: Proc[] = [];
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    procs.push(await startProc('api', [MAIN], { ...env, PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PENDING: '1000' }, `${base}/health`));
    for (let i = 0; i < workers; i++) {
      const metrics = await freePort();
      procs.push(await startProc(`worker ${i + 1}`, [CLI, 'worker'], { ...env, WORKER_METRICS_PORT: String(metrics) }, `http://127.0.0.1:${metrics}/health`));
    }
    await until('API ready', async () => (await fetch(`${base}/ready`)).ok);
    // Warm every worker's threads (engines loaded, JIT warm): as many distinct warm-ups as threads.
    const warm = await warmupImage();
    await Promise.all(Array.from({ length: workers * THREADS }, (_, i) => fetch(`${base}/api/convert?max_colors=${2 + i}`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: warm }).then((r) => r.arrayBuffer())));
    const { samples, wallMs } = await load(base, images, concurrency);
    const result: RunResult = { ...summarise('redis', workers, THREADS, concurrency, samples, wallMs), rss: [] };
    if (withCacheHits) result.cacheHits = await cacheHits(base, images);
    result.rss = await Promise.all(procs.map((p) => peakRssMb(p.child.pid)));
    return result;
  } finally {
    await Promise.all(procs.map(stopProc));
    await dropPrefix(args.redisUrl, prefix).catch(() => undefined);
  }
}

async function embeddedRun(images: BenchImage[], concurrency: number, withCacheHits: boolean): Promise<RunResult> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = await startProc('embedded', [MAIN], { REDIS_URL: '', PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PENDING: '1000' }, `${base}/health`);
  try {
    const warm = await warmupImage();
    await Promise.all(Array.from({ length: THREADS }, (_, i) => fetch(`${base}/api/convert?max_colors=${2 + i}`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: warm }).then((r) => r.arrayBuffer())));
    const { samples, wallMs } = await load(base, images, concurrency);
    const result: RunResult = { ...summarise('embedded', 0, THREADS, concurrency, samples, wallMs), rss: [] };
    if (withCacheHits) result.cacheHits = await cacheHits(base, images);
    result.rss = [await peakRssMb(proc.child.pid)];
    return result;
  } finally {
    await stopProc(proc);
  }
}

// --- report ----------------------------------------------------------------------------------

const fmt = (v: number | null, digits = 0) => (v === null ? '–' : v.toFixed(digits));

function report(args: Args, images: BenchImage[], runs: RunResult[], totalMs: number, loadBefore: number): string {
  const perGroup = ['tier1', 'tier2', 'tier3'].map((g) => `${images.filter((i) => i.group === g).length} ${g}`).join(' + ');
  const lines = [
    '# svg-ai production benchmark',
    '',
    `Corpus: ${path.resolve(args.corpus)}: ${images.length} images (${perGroup}; the svg/ originals are not used). ` +
      `Machine: ${os.availableParallelism()} CPU(s), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}. ` +
      `Each process with its default WORKER_THREADS (${THREADS}); workers with WORKER_CONCURRENCY ${THREADS}. ` +
      `Cold cache for every run (fresh processes, new Redis prefix), after one warm-up conversion per thread of an image outside the corpus. ` +
      `Latency is client-side wall time of POST /api/convert; conversions/min counts 200 answers over the run's wall time. Total bench time ${(totalMs / 60000).toFixed(1)} min. ` +
      `Load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after: anything else running on the machine shows in these numbers.`,
    '',
    '## Throughput and latency (cold cache)',
    '',
    markdownTable(
      ['mode', 'worker processes', 'client concurrency', 'images', '200', 'errors', 'conversions/min', 'p50 ms', 'p95 ms', 'wall s'],
      runs.map((r) => [
        r.mode === 'redis' ? 'Redis (API + workers)' : 'embedded (npm start)',
        r.mode === 'redis' ? String(r.workers) : '– (in-process pool)',
        String(r.concurrency),
        String(r.images),
        String(r.ok),
        r.errors,
        fmt((r.ok / r.wallMs) * 60_000, 1),
        fmt(r.p50),
        fmt(r.p95),
        fmt(r.wallMs / 1000, 1),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'right'],
    ),
    '',
    '## Cache hits (every image sent again three times, concurrency 1)',
    '',
    markdownTable(
      ['mode', 'requests', 'answered from cache', 'p50 ms', 'p99 ms'],
      runs
        .filter((r) => r.cacheHits)
        .map((r) => {
          const hits = r.cacheHits!.filter((s) => s.status === 200 && s.cache === 'hit');
          return [
            r.mode === 'redis' ? `Redis (${r.workers} worker${r.workers > 1 ? 's' : ''})` : 'embedded',
            String(r.cacheHits!.length),
            String(hits.length),
            fmt(median(hits.map((s) => s.ms)), 1),
            fmt(percentile(hits.map((s) => s.ms), 99), 1),
          ];
        }),
      ['left', 'right', 'right', 'right', 'right'],
    ),
    '',
    `## Peak RSS per process (VmHWM, MB; target < ${RSS_TARGET_MB})`,
    '',
    markdownTable(
      ['mode', 'worker processes', 'client concurrency', 'API / embedded', 'worker 1', 'worker 2', `all < ${RSS_TARGET_MB} MB`],
      runs.map((r) => [
        r.mode,
        r.mode === 'redis' ? String(r.workers) : '–',
        String(r.concurrency),
        fmt(r.rss[0] ?? null),
        r.mode === 'redis' ? fmt(r.rss[1] ?? null) : '–',
        r.mode === 'redis' && r.workers > 1 ? fmt(r.rss[2] ?? null) : '–',
        r.rss.every((v) => v !== null && v < RSS_TARGET_MB) ? 'yes' : 'NO',
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  for (const file of [MAIN, CLI]) {
    if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first (the bench runs the built service).`);
  }
  const images = await loadTierImages(args.corpus, args.limit);
  if (images.length === 0) throw new Error(`No tier1/, tier2/ or tier3/ PNGs under ${args.corpus}`);
  const redis = new Redis(args.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect().then(() => redis.ping()).catch((err: Error) => {
    throw new Error(`Redis at ${args.redisUrl} is not reachable (${err.message}); set REDIS_URL or --redis`);
  }).finally(() => redis.disconnect());

  const loadBefore = os.loadavg()[0]!;
  const started = performance.now();
  const runs: RunResult[] = [];
  const note = (r: RunResult) =>
    console.error(`  ${r.mode} workers=${r.workers} concurrency=${r.concurrency}: ${r.ok}/${r.images} in ${(r.wallMs / 1000).toFixed(1)} s, p50 ${fmt(r.p50)} ms`);
  console.error(`bench-production: ${images.length} images; dist built ${statSync(MAIN).mtime.toISOString()}`);
  for (const workers of args.workers) {
    for (const [i, concurrency] of args.concurrency.entries()) {
      runs.push(await redisRun(args, images, workers, concurrency, i === 0));
      note(runs.at(-1)!);
    }
  }
  for (const [i, concurrency] of args.concurrency.entries()) {
    runs.push(await embeddedRun(images, concurrency, i === 0));
    note(runs.at(-1)!);
  }
  console.log(report(args, images, runs, performance.now() - started, loadBefore));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
