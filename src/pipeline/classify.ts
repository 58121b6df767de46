/**
 * Cheap pixel features and the tier they point to. Runs on a strided sample so it costs a few
 * milliseconds whatever the image size; the features go back to the caller with the answer.
 */
import type { RgbaImage } from '../engines/engine.js';
import { CLASSIFY, type Tier } from '../tiers/thresholds.js';

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
}

export interface Classification {
  tier: Tier;
  features: Features;
}

const MAX_SAMPLES = 512 * 512;

export function extractFeatures(image: RgbaImage): Features {
  const { width, height, data } = image;
  const stride = Math.max(1, Math.ceil(Math.sqrt((width * height) / MAX_SAMPLES)));
  const histogram = new Map<number, number>();
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
    for (let x = 0; x < width; x += stride) {
      const i = (y * width + x) * 4;
      samples++;
      if (data[i + 3]! >= 128) {
        opaque++;
        const key = ((data[i]! >> 3) << 10) | ((data[i + 1]! >> 3) << 5) | (data[i + 2]! >> 3);
        histogram.set(key, (histogram.get(key) ?? 0) + 1);
      }
      // Neighbours at distance 1 in the full image, so anti-aliasing and gradients look as they are.
      if (x + 1 < width) compare(i, i + 4);
      if (y + 1 < height) compare(i, i + width * 4);
    }
  }
  const counts = [...histogram.values()].sort((a, b) => b - a);
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
  return {
    c95,
    colors: counts.length,
    alphaCoverage: round(samples === 0 ? 0 : opaque / samples),
    flatShare: round(share(flat)),
    smoothShare: round(share(smooth)),
    edgeShare: round(share(edges)),
    entropy: round(entropy),
  };
}

export function tierFromFeatures(f: Features): Tier {
  const flat = f.flatShare >= CLASSIFY.minFlatShare && f.smoothShare <= CLASSIFY.maxSmoothShare;
  if (flat && f.c95 <= CLASSIFY.tier1MaxC95) return 1;
  if (flat && f.c95 <= CLASSIFY.tier2MaxC95) return 2;
  return 3;
}

export function classify(image: RgbaImage): Classification {
  const features = extractFeatures(image);
  return { tier: tierFromFeatures(features), features };
}
