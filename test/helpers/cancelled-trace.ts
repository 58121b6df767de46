/**
 * Trace threads as the kernel sees them, and a trace whose caller hangs up: shared by the pool
 * tests and by the fixture that runs a pool as an unprivileged user.
 */
import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { AppError } from '../../src/errors/app-error.js';
import type { TracePool } from '../../src/queue/thread-pool.js';

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

/** A large image whose header says width x height (a blank PNG: small bytes, many pixels). */
export const blankPng = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#fff' } }).png().toBuffer();

/**
 * A large image that takes seconds to trace (random 8 px blocks: 3000x2000 took 3.6 s here), for a
 * test that must hang up while its trace still runs: a blank one traces in under a second.
 */
export async function busyPng(width: number, height: number): Promise<Buffer> {
  const across = Math.ceil(width / 8);
  const blocks = new Uint32Array(across * Math.ceil(height / 8));
  let seed = 7;
  for (let i = 0; i < blocks.length; i++) blocks[i] = seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const b = blocks[(y >> 3) * across + (x >> 3)]!;
      const o = (y * width + x) * 3;
      data[o] = b & 255;
      data[o + 1] = (b >> 8) & 255;
      data[o + 2] = (b >> 16) & 255;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Starts a large tier-3 trace (a blank 3000x2000: under a second here), hangs up once it runs, and returns the error code answered. */
export async function hangUpMidTrace(pool: TracePool): Promise<string | undefined> {
  const controller = new AbortController();
  let started = false;
  const pending = errorOf(
    pool.convert(await blankPng(3000, 2000), { tier: 3, engine: 'auto' }, { signal: controller.signal, onProgress: () => (started = true) }),
  );
  await until('the trace started', () => started);
  controller.abort();
  return (await pending)?.code;
}

/**
 * Hangs up mid-trace, and reads every thread's niceness at once, until a thread is seen lowered (at
 * most `attempts` hang-ups). A cancelled trace stops at its next check and then puts its priority
 * back: on a fast machine a blank image's trace had sometimes done both before a test could look.
 * Returns every hang-up's answer and what was read after the last one.
 */
export async function hangUpUntilLowered(pool: TracePool, attempts = 5): Promise<{ codes: (string | undefined)[]; niceness: Map<number, number>; low: number[] }> {
  const codes: (string | undefined)[] = [];
  for (;;) {
    codes.push(await hangUpMidTrace(pool));
    const niceness = threadNiceness();
    const low = lowIn(niceness);
    if (low.length > 0 || codes.length === attempts) return { codes, niceness, low };
    await until('the cancelled trace has stopped', () => pool.stats().active === 0 && pool.stats().pixelsInFlight === 0);
  }
}

const lowIn = (niceness: Map<number, number>) => [...niceness.entries()].filter(([, nice]) => nice > 0).map(([tid]) => tid);

/** Niceness of each thread of this process, by kernel thread id (Linux /proc; empty elsewhere). */
export function threadNiceness(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      // Fields after "(comm) ": state is the first, niceness the 17th (field 19 of proc_pid_stat(5)).
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended while we read
    }
  }
  return out;
}

/** Threads running below normal priority, by kernel thread id. */
export const lowered = () => lowIn(threadNiceness());
