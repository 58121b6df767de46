/**
 * Cheap pixel features and the tier they point to. Runs on a strided sample so it costs a few
 * milliseconds whatever the image size; the features go back to the caller with the answer.
 */
import type { RgbaImage } from '../engines/engine.js';
import { SRGB8_TO_LINEAR, linearRgbToOklabInto } from '../color/oklab.js';
import { TRANSPARENT, quantize } from '../color/quantize.js';
import { CLASSIFY, type Tier } from '../tiers/thresholds.js';
import { throwIfCancelled } from './cancellation.js';

export interface Features {
  /** Fewest 5-bit-per-channel colours that together cover 95 % of the opaque pixels. */
  c95: number;
  /** Distinct 5-bit colours seen in the sample. */
  colors: number;
  /** Share of the pixels that are at least half opaque. */
  alphaCoverage: number;
  /** Share of neighbour pairs (right and down) whose colours differ by at most 3 per channel. */
  flatShare: number;
  /** Share of neighbour pairs differing by a small step (4-40 in luma): gradients, shading, noise. */
  smoothShare: number;
  /** Share of neighbour pairs differing by more than 40 in luma: hard edges. */
  edgeShare: number;
  /** Shannon entropy (bits) of the 5-bit colour histogram. */
  entropy: number;
  /**
   * Foreground colour families (see colourFamilies) holding at least 3.5 % of the foreground's
   * interior pixels: 1 for a one-colour logo or pictogram, more for multi-colour clip art.
   */
  families: number;
  /** Share of the foreground's interior pixels outside its largest colour family. */
  secondShare: number;
}

export interface Classification {
  tier: Tier;
  features: Features;
}

const MAX_SAMPLES = 512 * 512;

export function extractFeatures(image: RgbaImage): Features {
  const { width, height, data } = image;
  const stride = Math.max(1, Math.ceil(Math.sqrt((width * height) / MAX_SAMPLES)));
  const histogram = new Uint32Array(1 << 15);
  let opaque = 0;
  let samples = 0;
  let pairs = 0;
  let flat = 0;
  let smooth = 0;
  let edges = 0;
  const luma = (i: number) => 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
  const compare = (i: number, j: number) => {
    const ai = data[i + 3]!;
    const aj = data[j + 3]!;
    if (ai < 128 && aj < 128) return; // both transparent: says nothing about the content
    pairs++;
    if (Math.abs(ai - aj) > 64) {
      edges++;
      return;
    }
    const d = Math.max(Math.abs(data[i]! - data[j]!), Math.abs(data[i + 1]! - data[j + 1]!), Math.abs(data[i + 2]! - data[j + 2]!));
    if (d <= 3) flat++;
    else {
      const dl = Math.abs(luma(i) - luma(j));
      if (dl > 40) edges++;
      else smooth++;
    }
  };
  for (let y = 0; y < height; y += stride) {
    // Synchronous work of a few hundred ms on a large image: a cancelled conversion gives its thread back here.
    throwIfCancelled();
    for (let x = 0; x < width; x += stride) {
      const i = (y * width + x) * 4;
      samples++;
      if (data[i + 3]! >= 128) {
        opaque++;
        const key = ((data[i]! >> 3) << 10) | ((data[i + 1]! >> 3) << 5) | (data[i + 2]! >> 3);
        histogram[key]!++;
      }
      // Neighbours at distance 1 in the full image, so anti-aliasing and gradients look as they are.
      if (x + 1 < width) compare(i, i + 4);
      if (y + 1 < height) compare(i, i + width * 4);
    }
  }
  const counts: number[] = [];
  for (const c of histogram) if (c > 0) counts.push(c);
  counts.sort((a, b) => b - a);
  let covered = 0;
  let c95 = 0;
  for (const c of counts) {
    if (covered >= 0.95 * opaque) break;
    covered += c;
    c95++;
  }
  let entropy = 0;
  for (const c of counts) {
    const p = c / opaque;
    entropy -= p * Math.log2(p);
  }
  const share = (n: number) => (pairs === 0 ? 0 : n / pairs);
  const round = (n: number) => Math.round(n * 10000) / 10000;
  const fam = colourFamilies(image, Math.max(1, Math.ceil(Math.sqrt((width * height) / FAMILY_SAMPLES))));
  return {
    c95,
    colors: counts.length,
    alphaCoverage: round(samples === 0 ? 0 : opaque / samples),
    flatShare: round(share(flat)),
    smoothShare: round(share(smooth)),
    edgeShare: round(share(edges)),
    entropy: round(entropy),
    families: fam.families,
    secondShare: round(fam.secondShare),
  };
}

/** Pixels sampled for the colour families (a 512x512 image is read at every other pixel). */
const FAMILY_SAMPLES = 256 * 256;
/** Colours closer than this (Oklab, lightness difference halved) belong to one family. */
const FAMILY_DISTANCE = 0.07;
/** A family counts in `families` from this share of the foreground. */
const FAMILY_MIN_SHARE = 0.035;

/**
 * How many distinct colours the foreground is made of. The image (a nearest-neighbour sample, so
 * no new blends appear) is quantised to 16 colours; the background is what covers most of the
 * border (a colour, or transparency). Only interior pixels count (all four neighbours in the same
 * colour): anti-aliasing fringes have almost none, so they never pass for a colour of their own.
 * Foreground colours are then grouped greedily, most frequent first, each joining the first
 * family whose founding colour is within FAMILY_DISTANCE. Lightness counts half, so the shades
 * of one hue (a clover's greens) form one family while distinct hues or greys stay apart.
 */
export function colourFamilies(image: RgbaImage, stride: number): { families: number; secondShare: number } {
  const sw = Math.ceil(image.width / stride);
  const sh = Math.ceil(image.height / stride);
  const data = new Uint8Array(sw * sh * 4);
  for (let y = 0, o = 0; y < sh; y++) {
    const row = y * stride * image.width;
    for (let x = 0; x < sw; x++, o += 4) {
      const i = (row + x * stride) * 4;
      data[o] = image.data[i]!;
      data[o + 1] = image.data[i + 1]!;
      data[o + 2] = image.data[i + 2]!;
      data[o + 3] = image.data[i + 3]!;
    }
  }
  const q = quantize({ width: sw, height: sh, data }, { maxColors: 16 });
  const k = q.palette.length;
  const bgKey = (c: number) => (c === TRANSPARENT ? k : c);
  const border = new Float64Array(k + 1);
  for (let x = 0; x < sw; x++) {
    border[bgKey(q.indices[x]!)]!++;
    border[bgKey(q.indices[(sh - 1) * sw + x]!)]!++;
  }
  for (let y = 0; y < sh; y++) {
    border[bgKey(q.indices[y * sw]!)]!++;
    border[bgKey(q.indices[y * sw + sw - 1]!)]!++;
  }
  let bg = 0;
  for (let c = 1; c <= k; c++) if (border[c]! > border[bg]!) bg = c;

  const interior = new Float64Array(k);
  for (let y = 1; y < sh - 1; y++) {
    for (let x = 1, p = y * sw + 1; x < sw - 1; x++, p++) {
      const c = q.indices[p]!;
      if (c !== TRANSPARENT && q.indices[p - 1] === c && q.indices[p + 1] === c && q.indices[p - sw] === c && q.indices[p + sw] === c) interior[c]!++;
    }
  }
  const lab = new Float64Array(k * 3);
  q.palette.forEach((c, i) => linearRgbToOklabInto(SRGB8_TO_LINEAR[c.r]!, SRGB8_TO_LINEAR[c.g]!, SRGB8_TO_LINEAR[c.b]!, lab, i * 3));
  const distance = (i: number, j: number) =>
    Math.hypot((lab[i * 3]! - lab[j * 3]!) / 2, lab[i * 3 + 1]! - lab[j * 3 + 1]!, lab[i * 3 + 2]! - lab[j * 3 + 2]!);

  const fg: number[] = [];
  let total = 0;
  for (let c = 0; c < k; c++) {
    if (c === bg || interior[c] === 0 || (bg < k && distance(c, bg) < FAMILY_DISTANCE)) continue;
    fg.push(c);
    total += interior[c]!;
  }
  if (total === 0) return { families: 0, secondShare: 0 };
  fg.sort((a, b) => interior[b]! - interior[a]! || a - b);
  const families: { seed: number; share: number }[] = [];
  for (const c of fg) {
    const share = interior[c]! / total;
    const family = families.find((f) => distance(f.seed, c) < FAMILY_DISTANCE);
    if (family) family.share += share;
    else families.push({ seed: c, share });
  }
  const largest = Math.max(...families.map((f) => f.share));
  return { families: families.filter((f) => f.share >= FAMILY_MIN_SHARE).length, secondShare: 1 - largest };
}

export function tierFromFeatures(f: Features): Tier {
  const flat = f.flatShare >= CLASSIFY.minFlatShare && f.smoothShare <= CLASSIFY.maxSmoothShare;
  if (flat && f.c95 <= CLASSIFY.tier1MaxC95 && f.secondShare < CLASSIFY.tier1MaxSecondShare) return 1;
  if (flat && f.c95 <= CLASSIFY.tier2MaxC95) return 2;
  return 3;
}

export function classify(image: RgbaImage): Classification {
  const features = extractFeatures(image);
  return { tier: tierFromFeatures(features), features };
}
