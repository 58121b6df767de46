/**
 * Warm-up benchmark: latency of the first tier-1 request after /ready answers 200, of warm
 * requests, and of the first request after a burst of clients that hung up mid-conversion; on a
 * fresh built service (embedded mode, default settings). Goal: both firsts within 1.5x of warm.
 *
 *   npm run build && npx tsx scripts/bench-warm.ts [--rounds 3] [--cancellations 50] [--env K=V ...]
 *
 * Tier-1 requests are a 512 px two-colour logo made unique per request (no cache hits). The burst
 * sends `--cancellations` requests of a 1600x1200 flat illustration at once and aborts each 300 ms
 * after sending; the next logo is sent as soon as the last one is aborted.
 */
import os from 'node:os';
import sharp from 'sharp';
import { markdownTable } from '../src/bench/table.js';
import { ALLOCATOR_ENV, median, startService, uniquePng } from './bench-service.js';

interface Args {
  rounds: number;
  cancellations: number;
  env: Record<string, string>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rounds: 3, cancellations: 50, env: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rounds') args.rounds = Number(argv[++i]);
    else if (a === '--cancellations') args.cancellations = Number(argv[++i]);
    else if (a === '--env') {
      const [k, ...v] = (argv[++i] ?? '').split('=');
      args.env[k!] = v.join('=');
    } else throw new Error(`Unknown argument ${a}`);
  }
  return args;
}

const logoSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><rect width="512" height="512" fill="#fff"/>' +
  '<circle cx="220" cy="230" r="150" fill="#1a2b6d"/><rect x="300" y="320" width="160" height="120" rx="20" fill="#1a2b6d"/></svg>';

function illustrationSvg(): string {
  const shapes: string[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const colours = ['#e63946', '#f1c453', '#2a9d8f', '#264653', '#8d5a97', '#f4a261'];
  for (let i = 0; i < 80; i++) shapes.push(`<circle cx="${rand() * 1600}" cy="${rand() * 1200}" r="${20 + rand() * 120}" fill="${colours[i % colours.length]}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"><rect width="1600" height="1200" fill="#fdf6e3"/>${shapes.join('')}</svg>`;
}

async function timed(base: string, body: Buffer): Promise<{ ms: number; status: number; tier: string | null }> {
  const started = performance.now();
  const res = await fetch(`${base}/api/convert`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status, tier: res.headers.get('x-svg-ai-tier') };
}

async function burstOfCancellations(base: string, image: Buffer, count: number, offset: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 300);
      try {
        const res = await fetch(`${base}/api/convert`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: uniquePng(image, offset + i), signal: controller.signal });
        await res.arrayBuffer();
      } catch {
        // aborted: that is the point
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

interface Round {
  readyMs: number;
  first: number;
  warm: number[];
  afterCancellations: number;
  /** From the end of the burst until no pixels are in flight: the cancelled traces have all stopped. */
  stoppedMs: number;
  afterStopped: number;
  warmAfter: number[];
}

async function pixelsInFlight(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^svgai_pixels_in_flight (\S+)$/m.exec(text)?.[1] ?? NaN);
}

async function round(args: Args, logo: Buffer, illustration: Buffer, r: number): Promise<Round> {
  const service = await startService(args.env);
  try {
    let n = r * 100_000;
    const first = await timed(service.base, uniquePng(logo, n++));
    if (first.status !== 200 || first.tier !== '1') throw new Error(`first request: ${first.status} tier ${first.tier}`);
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) warm.push((await timed(service.base, uniquePng(logo, n++))).ms);
    await burstOfCancellations(service.base, illustration, args.cancellations, n);
    n += args.cancellations;
    const burstEnded = performance.now();
    const after = await timed(service.base, uniquePng(logo, n++));
    while ((await pixelsInFlight(service.base)) > 0) await new Promise((r) => setTimeout(r, 20));
    const stoppedMs = performance.now() - burstEnded;
    const afterStopped = (await timed(service.base, uniquePng(logo, n++))).ms;
    const warmAfter: number[] = [];
    for (let i = 0; i < 5; i++) warmAfter.push((await timed(service.base, uniquePng(logo, n++))).ms);
    return { readyMs: service.readyAfterMs, first: first.ms, warm, afterCancellations: after.ms, stoppedMs, afterStopped, warmAfter };
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const logo = await sharp(Buffer.from(logoSvg)).png().toBuffer();
  const illustration = await sharp(Buffer.from(illustrationSvg())).png().toBuffer();
  const loadBefore = os.loadavg()[0]!;
  const rounds: Round[] = [];
  for (let r = 0; r < args.rounds; r++) {
    rounds.push(await round(args, logo, illustration, r));
    console.error(`round ${r + 1}: first ${rounds.at(-1)!.first.toFixed(0)} ms, after cancellations ${rounds.at(-1)!.afterCancellations.toFixed(0)} ms`);
  }
  const f = (v: number) => v.toFixed(0);
  const ratio = (v: number, warm: number) => `${(v / warm).toFixed(2)}x`;
  console.log('# svg-ai warm-up benchmark\n');
  console.log(
    `Built service, embedded mode, default settings, allocator as in the Dockerfile (${Object.entries({ ...ALLOCATOR_ENV, ...args.env }).map(([k, v]) => `${k}=${v}`).join(' ')}), a fresh process per round; ${os.availableParallelism()} CPU(s), ` +
      `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after. Tier-1 logo 512 px, unique bytes per request. ` +
      `"warm" is the median of 7 requests after the first; "warm after" the median of 5 after the post-cancellation one. Goal: ratios <= 1.5x.\n`,
  );
  console.log(
    markdownTable(
      ['round', 'spawn to /ready ms', 'first after /ready ms', 'warm ms', 'first / warm', `first after ${args.cancellations} cancellations ms`, 'post-cancel / warm', 'cancelled traces stopped after ms', 'next request ms', 'warm after ms'],
      rounds.map((r, i) => {
        const warm = median(r.warm);
        return [String(i + 1), f(r.readyMs), f(r.first), f(warm), ratio(r.first, warm), f(r.afterCancellations), ratio(r.afterCancellations, warm), f(r.stoppedMs), f(r.afterStopped), f(median(r.warmAfter))];
      }),
      ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  const warmAll = median(rounds.map((r) => median(r.warm)));
  console.log(
    `\nMedians over rounds: first ${f(median(rounds.map((r) => r.first)))} ms, warm ${f(warmAll)} ms, first after cancellations ${f(median(rounds.map((r) => r.afterCancellations)))} ms ` +
      `(${ratio(median(rounds.map((r) => r.first)), warmAll)} and ${ratio(median(rounds.map((r) => r.afterCancellations)), warmAll)} of warm).`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
