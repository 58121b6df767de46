/**
 * Deterministic colour quantisation: a 15-bit colour histogram, weighted k-means in Oklab over
 * the histogram buckets, then a bucket -> palette lookup for every pixel.
 *
 * Clustering buckets instead of pixels keeps the cost roughly independent of image size (at most
 * 32768 buckets); one pass over the pixels builds the histogram and one assigns them.
 */
import type { RgbaImage } from '../engines/engine.js';
import { SRGB8_TO_LINEAR, linearRgbToOklabInto } from './oklab.js';

/** An 8-bit sRGB colour, channels are integers 0-255. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Index value marking a pixel whose alpha is below the threshold. */
export const TRANSPARENT = 0xffff;

/** Largest palette quantize() will build; keeps indices well clear of TRANSPARENT. */
export const MAX_COLORS = 4096;

export interface Quantized {
  /** Palette entries; for quantize() sorted by pixel count, descending, and never empty. */
  palette: Rgb[];
  /** One entry per pixel: an index into palette, or TRANSPARENT. */
  indices: Uint16Array;
  /** Pixels assigned to each palette entry (parallel to palette). */
  counts: number[];
}

export interface QuantizeOptions {
  maxColors: number;
  /** Pixels with alpha below this are TRANSPARENT. Default 128. */
  alphaThreshold?: number;
  /**
   * Build the histogram from at most about this many pixels (a fixed stride, so still
   * deterministic). Every pixel is still assigned and counted. Default: all pixels.
   */
  sampleLimit?: number;
}

const DEFAULT_ALPHA_THRESHOLD = 128;
const BUCKETS = 1 << 15;
const MAX_LLOYD_ITERATIONS = 12;
const MIN_LLOYD_ITERATIONS = 3;
/** Bucket-centre distance evaluations allowed for Lloyd: bounds noisy photos with many colours. */
const LLOYD_WORK_BUDGET = 8e6;

function bucketOf(r: number, g: number, b: number): number {
  return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
}

/** Nearest centre (squared Oklab distance); ties go to the lower index, for determinism. */
function nearest(lab: Float64Array | number[], o: number, centres: Float64Array, k: number): number {
  const L = lab[o]!;
  const A = lab[o + 1]!;
  const B = lab[o + 2]!;
  let best = 0;
  let bestD = Infinity;
  for (let c = 0, q = 0; c < k; c++, q += 3) {
    const dL = L - centres[q]!;
    let d = dL * dL;
    if (d >= bestD) continue; // partial distance: lightness alone already loses
    const dA = A - centres[q + 1]!;
    const dB = B - centres[q + 2]!;
    d += dA * dA + dB * dB;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/**
 * Farthest-point seeding weighted by population (argmax of count * D^2): the deterministic
 * cousin of k-means++. Small but very distinct colours (a logo's accent) still get a centre,
 * while anti-aliasing ramps, which are both rare and close to their neighbours, do not.
 */
function seedCentres(lab: Float64Array, weight: Float64Array, n: number, k: number): { centres: Float64Array; k: number } {
  const centres = new Float64Array(k * 3);
  let first = 0;
  for (let i = 1; i < n; i++) if (weight[i]! > weight[first]!) first = i;
  centres.set(lab.subarray(first * 3, first * 3 + 3), 0);
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) dist[i] = sqDist(lab, i * 3, centres, 0);
  let used = 1;
  while (used < k) {
    let pick = -1;
    let bestScore = 0;
    for (let i = 0; i < n; i++) {
      const score = weight[i]! * dist[i]!;
      if (score > bestScore) {
        bestScore = score;
        pick = i;
      }
    }
    if (pick < 0) break; // every bucket already sits on a centre
    const q = used * 3;
    centres.set(lab.subarray(pick * 3, pick * 3 + 3), q);
    used++;
    for (let i = 0; i < n; i++) {
      const d = sqDist(lab, i * 3, centres, q);
      if (d < dist[i]!) dist[i] = d;
    }
  }
  return { centres, k: used };
}

function sqDist(a: Float64Array, i: number, b: Float64Array, j: number): number {
  const dL = a[i]! - b[j]!;
  const dA = a[i + 1]! - b[j + 1]!;
  const dB = a[i + 2]! - b[j + 2]!;
  return dL * dL + dA * dA + dB * dB;
}

/** Quantises an image to at most maxColors colours. Same input, same output. */
export function quantize(image: RgbaImage, opts: QuantizeOptions): Quantized {
  const { width, height, data } = image;
  const n = width * height;
  const threshold = opts.alphaThreshold ?? DEFAULT_ALPHA_THRESHOLD;
  const maxColors = Math.max(1, Math.min(MAX_COLORS, Math.floor(opts.maxColors) || 1));
  const limit = opts.sampleLimit;
  const step = limit !== undefined && limit > 0 && n > limit ? Math.ceil(n / limit) : 1;

  // 1. Histogram of opaque pixels.
  const count = new Uint32Array(BUCKETS);
  const sums = new Float64Array(BUCKETS * 3);
  for (let p = 0; p < n; p += step) {
    const o = p * 4;
    if (data[o + 3]! < threshold) continue;
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    const key = bucketOf(r, g, b);
    count[key]!++;
    const s = key * 3;
    sums[s]! += r;
    sums[s + 1]! += g;
    sums[s + 2]! += b;
  }

  let nb = 0;
  for (let key = 0; key < BUCKETS; key++) if (count[key] !== 0) nb++;
  const bucketKey = new Int32Array(nb);
  const weight = new Float64Array(nb);
  const lab = new Float64Array(nb * 3);
  for (let key = 0, i = 0; key < BUCKETS; key++) {
    const c = count[key]!;
    if (c === 0) continue;
    bucketKey[i] = key;
    weight[i] = c;
    const s = key * 3;
    // Rounding the bucket mean to a byte costs nothing visible and lets the table replace pow().
    linearRgbToOklabInto(
      SRGB8_TO_LINEAR[Math.round(sums[s]! / c)]!,
      SRGB8_TO_LINEAR[Math.round(sums[s + 1]! / c)]!,
      SRGB8_TO_LINEAR[Math.round(sums[s + 2]! / c)]!,
      lab,
      i * 3,
    );
    i++;
  }

  // 2. Cluster the buckets.
  let k: number;
  let centres: Float64Array;
  const assign = new Int32Array(nb);
  if (nb <= maxColors) {
    k = nb;
    centres = lab.slice();
    for (let i = 0; i < nb; i++) assign[i] = i;
  } else {
    ({ centres, k } = seedCentres(lab, weight, nb, maxColors));
    for (let i = 0; i < nb; i++) assign[i] = nearest(lab, i * 3, centres, k);
    const acc = new Float64Array(k * 3);
    const wsum = new Float64Array(k);
    const iterations = Math.max(
      MIN_LLOYD_ITERATIONS,
      Math.min(MAX_LLOYD_ITERATIONS, Math.floor(LLOYD_WORK_BUDGET / (nb * k))),
    );
    for (let iter = 0; iter < iterations; iter++) {
      acc.fill(0);
      wsum.fill(0);
      for (let i = 0; i < nb; i++) {
        const c = assign[i]!;
        const w = weight[i]!;
        wsum[c]! += w;
        acc[c * 3]! += lab[i * 3]! * w;
        acc[c * 3 + 1]! += lab[i * 3 + 1]! * w;
        acc[c * 3 + 2]! += lab[i * 3 + 2]! * w;
      }
      // An emptied cluster keeps its old centre; it is dropped below if it stays empty.
      for (let c = 0; c < k; c++) {
        const w = wsum[c]!;
        if (w > 0) {
          centres[c * 3] = acc[c * 3]! / w;
          centres[c * 3 + 1] = acc[c * 3 + 1]! / w;
          centres[c * 3 + 2] = acc[c * 3 + 2]! / w;
        }
      }
      let changed = false;
      for (let i = 0; i < nb; i++) {
        const c = nearest(lab, i * 3, centres, k);
        if (c !== assign[i]) {
          assign[i] = c;
          changed = true;
        }
      }
      if (!changed) break;
    }
  }

  // 3. Assign every pixel through the bucket table; accumulate exact per-cluster means so a
  // flat colour comes back exactly, not as a rounded Oklab centroid.
  const lut = new Int32Array(BUCKETS).fill(-1);
  for (let i = 0; i < nb; i++) lut[bucketKey[i]!] = assign[i]!;
  const indices = new Uint16Array(n);
  const clusterCount = new Float64Array(k);
  const clusterSum = new Float64Array(k * 3);
  const scratch = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    if (data[o + 3]! < threshold) {
      indices[p] = TRANSPARENT;
      continue;
    }
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    const key = bucketOf(r, g, b);
    let c = lut[key]!;
    if (c < 0) {
      // Only reachable when sampling skipped this bucket; the scan order is fixed, so the first
      // pixel seen decides the bucket deterministically.
      linearRgbToOklabInto(SRGB8_TO_LINEAR[r]!, SRGB8_TO_LINEAR[g]!, SRGB8_TO_LINEAR[b]!, scratch);
      c = nearest(scratch, 0, centres, k);
      lut[key] = c;
    }
    indices[p] = c;
    clusterCount[c]!++;
    clusterSum[c * 3]! += r;
    clusterSum[c * 3 + 1]! += g;
    clusterSum[c * 3 + 2]! += b;
  }

  // 4. Drop empty clusters and order by population (ties by cluster id, for determinism).
  const order: number[] = [];
  for (let c = 0; c < k; c++) if (clusterCount[c]! > 0) order.push(c);
  order.sort((x, y) => clusterCount[y]! - clusterCount[x]! || x - y);
  const remap = new Uint16Array(k);
  const palette: Rgb[] = [];
  const counts: number[] = [];
  order.forEach((c, i) => {
    remap[c] = i;
    const cnt = clusterCount[c]!;
    palette.push({
      r: Math.round(clusterSum[c * 3]! / cnt),
      g: Math.round(clusterSum[c * 3 + 1]! / cnt),
      b: Math.round(clusterSum[c * 3 + 2]! / cnt),
    });
    counts.push(cnt);
  });
  let identity = true;
  for (let c = 0; c < k && identity; c++) if (clusterCount[c]! > 0 && remap[c] !== c) identity = false;
  if (!identity) {
    for (let p = 0; p < n; p++) {
      const c = indices[p]!;
      if (c !== TRANSPARENT) indices[p] = remap[c]!;
    }
  }
  return { palette, indices, counts };
}

/**
 * Maps every pixel to the nearest (Oklab) entry of a fixed palette, e.g. one a user supplied.
 * The palette keeps its given order and length; unused entries get a count of 0.
 */
export function applyPalette(image: RgbaImage, palette: readonly Rgb[], alphaThreshold = DEFAULT_ALPHA_THRESHOLD): Quantized {
  const k = palette.length;
  if (k === 0) throw new RangeError('applyPalette: palette must not be empty');
  if (k >= TRANSPARENT) throw new RangeError(`applyPalette: palette must have fewer than ${TRANSPARENT} entries`);
  const pal: Rgb[] = palette.map((c) => ({ r: toByte(c.r), g: toByte(c.g), b: toByte(c.b) }));
  const centres = new Float64Array(k * 3);
  pal.forEach((c, i) =>
    linearRgbToOklabInto(SRGB8_TO_LINEAR[c.r]!, SRGB8_TO_LINEAR[c.g]!, SRGB8_TO_LINEAR[c.b]!, centres, i * 3),
  );

  const { width, height, data } = image;
  const n = width * height;
  const indices = new Uint16Array(n);
  const counts = new Array<number>(k).fill(0);
  // Exact per-pixel matching, made cheap by a small direct-mapped cache of recent colours:
  // flat art hits it almost always, and photos still avoid most Oklab conversions.
  const cacheKey = new Int32Array(4096).fill(-1);
  const cacheVal = new Uint16Array(4096);
  const scratch = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    if (data[o + 3]! < alphaThreshold) {
      indices[p] = TRANSPARENT;
      continue;
    }
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    const rgb = (r << 16) | (g << 8) | b;
    const slot = Math.imul(rgb, 0x9e3779b1) >>> 20;
    let c: number;
    if (cacheKey[slot] === rgb) {
      c = cacheVal[slot]!;
    } else {
      linearRgbToOklabInto(SRGB8_TO_LINEAR[r]!, SRGB8_TO_LINEAR[g]!, SRGB8_TO_LINEAR[b]!, scratch);
      c = nearest(scratch, 0, centres, k);
      cacheKey[slot] = rgb;
      cacheVal[slot] = c;
    }
    indices[p] = c;
    counts[c]!++;
  }
  return { palette: pal, indices, counts };
}

function toByte(v: number): number {
  const x = Math.round(v);
  return x < 0 ? 0 : x > 255 ? 255 : x || 0;
}
