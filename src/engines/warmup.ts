/**
 * Warms a fresh thread up: the first conversions in a new V8 isolate pay for loading potrace (and
 * jimp, ~100 ms) and for compiling the hot loops of quantisation, tracing, path optimisation and
 * scoring (a 512 px logo: ~300 ms cold, ~50 ms warm). A worker thread calls this once when it
 * starts, so no caller's request pays for it.
 */
import sharp from 'sharp';
import { convertImage } from '../pipeline/convert.js';
import { collectGarbage } from '../quality/native-memory.js';
import type { ImageLimits } from '../pipeline/limits.js';

const LIMITS: ImageLimits = { maxPixels: 1e6, maxSidePx: 1024, maxFrames: 1, traceMaxSide: 1024, maxSvgBytes: 1e7 };
const DEADLINES = { 1: 10_000, 2: 10_000, 3: 10_000 } as const;

/** A w x h RGB image: white, a disc and a bar in `colours` (one colour: a logo), optional noise. */
function synthetic(size: number, colours: readonly (readonly [number, number, number])[], noise: number): Buffer {
  const px = Buffer.alloc(size * size * 3, 255);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      const inDisc = (x - size * 0.4) ** 2 + (y - size * 0.4) ** 2 < (size * 0.3) ** 2;
      const inBar = y > size * 0.65 && y < size * 0.85 && x > size * 0.2;
      const c = inDisc ? colours[0] : inBar ? colours[colours.length - 1] : undefined;
      for (let k = 0; k < 3; k++) {
        const base = c ? c[k]! : noise > 0 ? (x * 255) / size : 255;
        px[o + k] = Math.max(0, Math.min(255, Math.round(base + noise * rand())));
      }
    }
  }
  return px;
}

async function png(size: number, colours: readonly (readonly [number, number, number])[], noise: number): Promise<Buffer> {
  return sharp(synthetic(size, colours, noise), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/**
 * A logo as logos arrive: drawn with anti-aliased edges (librsvg, inside sharp). Hard-edged
 * pixels alone leave the anti-aliasing branches of classification and tracing cold, and the
 * first real logo on each thread then took twice as long as the next.
 */
function antialiasedLogo(size: number): Promise<Buffer> {
  const s = size / 512;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="${size}" height="${size}" fill="#fff"/>` +
    `<circle cx="${200 * s}" cy="${210 * s}" r="${140 * s}" fill="#7a1f3d"/><rect x="${290 * s}" y="${300 * s}" width="${170 * s}" height="${130 * s}" rx="${24 * s}" fill="#7a1f3d"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * With a cancellation check and a progress listener, as every served conversion has: the first use
 * of the check in a thread turns on async context tracking, which cost the first served conversion
 * ~50 ms (in classify) when the warm-up ran without it.
 */
const convertWarm = (input: Buffer) =>
  convertImage(input, { tier: 'auto', engine: 'auto' }, LIMITS, DEADLINES, () => undefined, () => false);

/**
 * Logos converted after the collection. potrace's tracer declares its inner functions (findNext,
 * xorPath, calcLon...) inside its methods, so every trace has new closures to optimise again, and how fast depends on V8's background compiler having
 * seen them often: a logo's trace took 12-70 ms (a third of the time over 12 ms) for its first ~30
 * conversions on a thread, then a steady 12. Three threads share the requests, so a served logo met
 * that spread for long. `npm run bench:warm` (medians over rounds of first / warm and post-cancel /
 * warm): one logo here 1.80x / 2.06x, eight 1.40x / 1.53x, sixteen 1.15x / 1.47x, for ~1 s more
 * before /ready.
 */
const LOGOS_AFTER_COLLECTION = 16;

/**
 * Converts three small images (one per tier) a few times, collects the garbage, and converts
 * logos LOGOS_AFTER_COLLECTION times. With the collection last, the first logo served took 1.8x
 * the next: the collection keeps an idle thread small, the logos after it bring the optimised code
 * back. Never throws.
 */
export async function warmUp(rounds = 3): Promise<void> {
  try {
    // Logos are the most frequent and the cheapest conversions, so a cold start shows most there:
    // the logo is converted twice per round, at the size of a typical icon.
    const logo = await png(512, [[30, 60, 160]], 0);
    const drawn = await antialiasedLogo(448);
    const inputs = [logo, await png(384, [[200, 40, 40], [40, 160, 60]], 0), drawn, await png(256, [[120, 90, 40]], 6), drawn];
    for (let i = 0; i < rounds; i++) {
      for (const input of inputs) await convertWarm(input);
    }
    // The warm-up's images and renders are garbage now: the thread starts serving without them.
    collectGarbage();
    for (let i = 0; i < LOGOS_AFTER_COLLECTION; i++) await convertWarm(i % 2 ? logo : drawn);
  } catch {
    // Warming up is an optimisation: a failure here must never stop a thread from serving.
  }
}
