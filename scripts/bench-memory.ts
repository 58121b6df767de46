/**
 * Memory benchmark: resident memory of the built service (embedded mode, default limits) before,
 * at its peak and after two runs, each on a fresh process (target: peak < 500 MB, idle < 300 MB).
 *
 *   npm run build && npm run bench:memory
 *   npx tsx scripts/bench-memory.ts --count 1000 --concurrency 4 --seconds 60 [--corpus ../shared/corpus] [--env K=V ...] [--worst N]
 *
 * 1. Mutated images: `--count` inputs from scripts/mutants.ts (seed `--seed`): forged dimensions in
 *    every format's header, truncations, bit flips, bad CRCs, odd but valid files, sent with
 *    `--concurrency` requests in flight. Every answer must be 200 or a 4xx from the catalog; any
 *    5xx or dropped connection is a defect and is listed by mutant name.
 * 2. Load at twice capacity: 2 x WORKER_THREADS clients sending corpus PNGs (made unique, so no
 *    cache hits) back to back for `--seconds`.
 * "after" is VmRSS once the process has been idle for `--idle` seconds.
 * 3. With `--worst N`: the same mutants one at a time on a fresh process, listing the N whose
 *    request raised resident memory the most (VmRSS sampled every 10 ms): where a peak comes from.
 */
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadTierImages } from '../src/bench/corpus.js';
import { markdownTable } from '../src/bench/table.js';
import { makeSeeds, mutants, type Mutant } from './mutants.js';
import { ALLOCATOR_ENV, median, rssMb, sampleRss, startService, uniquePng, type Service } from './bench-service.js';

interface Args {
  count: number;
  concurrency: number;
  seconds: number;
  idle: number;
  seed: number;
  corpus: string;
  env: Record<string, string>;
  only?: 'mutated' | 'load';
  worst: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { count: 1000, concurrency: 4, seconds: 60, idle: 15, seed: 1, corpus: path.resolve(import.meta.dirname, '../../shared/corpus'), env: {}, worst: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? '';
    if (a === '--count') args.count = Number(value());
    else if (a === '--concurrency') args.concurrency = Number(value());
    else if (a === '--seconds') args.seconds = Number(value());
    else if (a === '--idle') args.idle = Number(value());
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--corpus') args.corpus = value();
    else if (a === '--only') args.only = value() as Args['only'];
    else if (a === '--worst') args.worst = Number(value());
    else if (a === '--env') {
      const [k, ...v] = value().split('=');
      args.env[k!] = v.join('=');
    } else throw new Error(`Unknown argument ${a}`);
  }
  return args;
}

interface Answer {
  status: number;
  code?: string;
  ms: number;
}

async function post(base: string, bytes: Buffer, timeoutMs = 120_000): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}/api/convert`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
      body: bytes,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { code?: string };
    return { status: res.status, ...(body.code ? { code: body.code } : {}), ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

interface RunResult {
  name: string;
  allocator: string;
  requests: number;
  answers: string;
  before: number;
  peak: number;
  after: number;
  wallS: number;
  p50: number;
  defects: string[];
}

async function settle(service: Service, seconds: number): Promise<number> {
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return rssMb(service.child.pid);
}

function tally(answers: Answer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = a.status === 0 ? 'no answer' : a.code ? `${a.status} ${a.code}` : String(a.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}x ${k}`).join(', ');
}

async function mutatedRun(args: Args): Promise<RunResult> {
  const seeds = await makeSeeds();
  const all: Mutant[] = [...mutants(seeds, args.count, args.seed)];
  const service = await startService(args.env);
  try {
    const before = await rssMb(service.child.pid);
    const sampler = sampleRss(service.child.pid);
    const answers: Answer[] = [];
    const defects: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        while (next < all.length) {
          const m = all[next++]!;
          const answer = await post(service.base, m.bytes);
          answers.push(answer);
          if (answer.status === 0 || answer.status >= 500) defects.push(`${m.name} (${answer.status || 'no answer'} ${answer.code ?? ''})`.trim());
        }
      }),
    );
    const wallS = (performance.now() - started) / 1000;
    const { peak } = await sampler.stop();
    const after = await settle(service, args.idle);
    return { name: `mutated images (${all.length}, seed ${args.seed}, concurrency ${args.concurrency})`, allocator: service.allocator, requests: answers.length, answers: tally(answers), before, peak, after, wallS, p50: median(answers.map((a) => a.ms)), defects };
  } finally {
    await service.stop();
  }
}

interface MutantPeak {
  name: string;
  status: string;
  peak: number;
  rise: number;
}

/** Each mutant alone on one fresh process: how far its request raised VmRSS above the level before it. */
async function worstMutants(args: Args): Promise<MutantPeak[]> {
  const all: Mutant[] = [...mutants(await makeSeeds(), args.count, args.seed)];
  const service = await startService(args.env);
  try {
    const peaks: MutantPeak[] = [];
    for (const m of all) {
      const before = await rssMb(service.child.pid);
      const sampler = sampleRss(service.child.pid, 10);
      const answer = await post(service.base, m.bytes);
      // The samples, not VmHWM: the high-water mark would carry the worst one into every later row.
      const peak = Math.max(before, ...(await sampler.stop()).samples.filter(Number.isFinite));
      peaks.push({ name: m.name, status: answer.code ? `${answer.status} ${answer.code}` : String(answer.status), peak, rise: peak - before });
    }
    return peaks.sort((a, b) => b.peak - a.peak).slice(0, args.worst);
  } finally {
    await service.stop();
  }
}

async function loadImages(corpus: string): Promise<Buffer[]> {
  const images = (await loadTierImages(corpus)).map((i) => i.png);
  if (images.length > 0) return images;
  console.error(`bench-memory: no corpus PNGs under ${corpus}; the load run uses generated images`);
  return Promise.all(
    [256, 512, 1024].map((size) =>
      sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#fff"/><circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="#1a2b6d"/></svg>`)).png().toBuffer(),
    ),
  );
}

async function loadRun(args: Args): Promise<RunResult> {
  const images = await loadImages(args.corpus);
  const threads = Number(args.env.WORKER_THREADS ?? os.availableParallelism());
  const clients = 2 * threads;
  const service = await startService(args.env);
  try {
    const before = await rssMb(service.child.pid);
    const sampler = sampleRss(service.child.pid);
    const answers: Answer[] = [];
    const defects: string[] = [];
    let n = 0;
    const started = performance.now();
    const end = Date.now() + args.seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < end) {
          const i = n++;
          const answer = await post(service.base, uniquePng(images[i % images.length]!, i));
          answers.push(answer);
          if (answer.status === 0 || answer.status >= 500) defects.push(`corpus image ${i % images.length} (${answer.status || 'no answer'} ${answer.code ?? ''})`.trim());
        }
      }),
    );
    const wallS = (performance.now() - started) / 1000;
    const { peak } = await sampler.stop();
    const after = await settle(service, args.idle);
    return { name: `load: ${clients} clients (2x ${threads} threads) for ${args.seconds} s, ${images.length} corpus images`, allocator: service.allocator, requests: answers.length, answers: tally(answers), before, peak, after, wallS, p50: median(answers.filter((a) => a.status === 200).map((a) => a.ms)), defects };
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadBefore = os.loadavg()[0]!;
  const runs: RunResult[] = [];
  if (args.only !== 'load') runs.push(await mutatedRun(args));
  if (args.only !== 'mutated') runs.push(await loadRun(args));
  const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '–');
  const env = Object.entries({ ...ALLOCATOR_ENV, ...args.env }).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`# svg-ai memory benchmark\n`);
  console.log(
    `Built service, embedded mode, default limits, allocator as in the Dockerfile (${env}); a fresh process per run. Machine: ${os.availableParallelism()} CPU(s), Node ${process.version}; ` +
      `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after. RSS in MB (VmRSS; peak includes VmHWM); "after" once idle ${args.idle} s. Target: peak < 500, after < 300.\n`,
  );
  console.log(
    markdownTable(
      ['run', 'allocator', 'requests', 'answers', 'RSS before', 'RSS peak', 'RSS after', 'peak < 500', 'after < 300', 'wall s', 'p50 ms'],
      runs.map((r) => [r.name, r.allocator, String(r.requests), r.answers, fmt(r.before), fmt(r.peak), fmt(r.after), r.peak < 500 ? 'yes' : 'NO', r.after < 300 ? 'yes' : 'NO', r.wallS.toFixed(1), fmt(r.p50)]),
      ['left', 'left', 'right', 'left', 'right', 'right', 'right', 'left', 'left', 'right', 'right'],
    ),
  );
  const defects = runs.flatMap((r) => r.defects);
  console.log(defects.length === 0 ? '\nNo 5xx and no dropped connection.' : `\nDefects (5xx or no answer):\n${defects.map((d) => `- ${d}`).join('\n')}`);
  if (args.worst > 0) {
    const worst = await worstMutants(args);
    console.log(`\n## The ${worst.length} mutants that raised resident memory most, each sent alone\n`);
    console.log(markdownTable(['mutant', 'answer', 'RSS peak', 'rise'], worst.map((w) => [w.name, w.status, fmt(w.peak), fmt(w.rise)]), ['left', 'left', 'right', 'right']));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
