/**
 * Ink masks: the background colour, the ink colours drawn on it, and for every ink how much of each
 * pixel it covers. An anti-aliased pixel of ink k on background b is b + t·(k − b), so its coverage
 * t is the projection of (pixel − b) onto (k − b); the mask is coverage >= 0.5, which puts the
 * mask's edge where the drawn stroke's edge was. Works for any ink on any background, and on a
 * transparent background coverage is the alpha.
 */
import type { RgbaImage } from '../engines/engine.js';
import type { Rgb } from '../pipeline/options.js';

export interface Ink {
  colour: Rgb;
  /** Coverage 0-255 of this ink per pixel (0 where another ink or the background is). */
  coverage: Uint8Array;
  /** Pixels whose coverage is at least one half. */
  inkPixels: number;
}

export interface InkSeparation {
  width: number;
  height: number;
  /** The background's colour, or undefined when it is transparent. */
  background: Rgb | undefined;
  inks: Ink[];
  /** Share of pixels that are background (coverage of every ink below 0.1). */
  backgroundShare: number;
  /** Share of pixels that no mix of background and one ink explains (photos, gradients, shading). */
  unexplainedShare: number;
}

/** Pixels farther than this (RGB distance) from the background are candidates for an ink colour. */
const STRONG = 48;
/** A pixel within this distance of the segment background-ink is a mix of those two. */
const MIX_RESIDUAL = 40;
/** Most inks separated; more colours than this are not line art. */
const MAX_INKS = 8;

const dist = (a: Rgb, b: Rgb) => Math.hypot(a.r - b.r, a.g - b.g, a.b - b.b);

/** The commonest colour (4 bits per channel, opaque vs transparent), averaged within its bin. */
function dominantColour(image: RgbaImage): Rgb | undefined {
  const { data } = image;
  const counts = new Uint32Array(4097);
  const sums = new Float64Array(4096 * 3);
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3]! < 128) {
      counts[4096]!++;
      continue;
    }
    const bin = ((data[i]! >> 4) << 8) | ((data[i + 1]! >> 4) << 4) | (data[i + 2]! >> 4);
    counts[bin]!++;
    sums[3 * bin] = sums[3 * bin]! + data[i]!;
    sums[3 * bin + 1] = sums[3 * bin + 1]! + data[i + 1]!;
    sums[3 * bin + 2] = sums[3 * bin + 2]! + data[i + 2]!;
  }
  let best = 0;
  for (let b = 1; b < counts.length; b++) if (counts[b]! > counts[best]!) best = b;
  if (best === 4096) return undefined;
  const n = counts[best]!;
  return { r: Math.round(sums[3 * best]! / n), g: Math.round(sums[3 * best + 1]! / n), b: Math.round(sums[3 * best + 2]! / n) };
}

/** Colour of a pixel composited over the background (transparent areas take the background). */
function pixelOver(data: Uint8Array, i: number, bg: Rgb): Rgb {
  const a = data[i + 3]! / 255;
  return { r: data[i]! * a + bg.r * (1 - a), g: data[i + 1]! * a + bg.g * (1 - a), b: data[i + 2]! * a + bg.b * (1 - a) };
}

/** Cheap test, without allocating, for the pixels (most of them) that are the background or nearly. */
function nearBackground(data: Uint8Array, i: number, bg: Rgb): boolean {
  const a = data[i + 3]! / 255;
  return Math.abs(data[i]! - bg.r) * a + Math.abs(data[i + 1]! - bg.g) * a + Math.abs(data[i + 2]! - bg.b) * a < STRONG;
}

/** Projection of p − bg onto ink − bg, and the distance of p from that line. */
function mix(p: Rgb, bg: Rgb, ink: Rgb): { t: number; residual: number } {
  const dx = ink.r - bg.r;
  const dy = ink.g - bg.g;
  const dz = ink.b - bg.b;
  const px = p.r - bg.r;
  const py = p.g - bg.g;
  const pz = p.b - bg.b;
  const len2 = dx * dx + dy * dy + dz * dz || 1;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy + pz * dz) / len2));
  return { t, residual: Math.hypot(px - t * dx, py - t * dy, pz - t * dz) };
}

/**
 * Ink colours: the commonest strong colours (far from the background) that are neither a mix of the
 * background and an ink already found nor close to one. Each is then pushed out to the 99th
 * percentile along its direction from the background, so thin anti-aliased lines still get their
 * full colour.
 */
function findInks(image: RgbaImage, bg: Rgb, minPixels: number): Rgb[] {
  const { data } = image;
  const counts = new Map<number, { n: number; r: number; g: number; b: number }>();
  for (let i = 0; i < data.length; i += 4) {
    if (nearBackground(data, i, bg)) continue;
    const p = pixelOver(data, i, bg);
    if (dist(p, bg) < STRONG) continue;
    const key = ((p.r >> 4) << 8) | ((p.g >> 4) << 4) | (p.b >> 4);
    const bin = counts.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
    bin.n++;
    bin.r += p.r;
    bin.g += p.g;
    bin.b += p.b;
    counts.set(key, bin);
  }
  const bins = [...counts.values()].sort((a, b) => b.n - a.n);
  const inks: Rgb[] = [];
  for (const bin of bins) {
    if (bin.n < minPixels || inks.length >= MAX_INKS + 1) break;
    const c = { r: bin.r / bin.n, g: bin.g / bin.n, b: bin.b / bin.n };
    const explained = inks.some((k) => dist(c, k) < STRONG || mix(c, bg, k).residual < MIX_RESIDUAL / 2);
    if (!explained) inks.push(c);
  }
  return inks.map((k) => extremeAlong(image, bg, k));
}

function extremeAlong(image: RgbaImage, bg: Rgb, ink: Rgb): Rgb {
  const { data } = image;
  const d = dist(ink, bg) || 1;
  const ux = (ink.r - bg.r) / d;
  const uy = (ink.g - bg.g) / d;
  const uz = (ink.b - bg.b) / d;
  const along: number[] = [];
  for (let i = 0; i < data.length; i += 4) {
    if (nearBackground(data, i, bg)) continue;
    const p = pixelOver(data, i, bg);
    const s = (p.r - bg.r) * ux + (p.g - bg.g) * uy + (p.b - bg.b) * uz;
    if (s < STRONG) continue;
    const residual = Math.hypot(p.r - bg.r - s * ux, p.g - bg.g - s * uy, p.b - bg.b - s * uz);
    if (residual < MIX_RESIDUAL) along.push(s);
  }
  if (along.length === 0) return ink;
  along.sort((a, b) => a - b);
  const s = Math.max(d, along[Math.floor(along.length * 0.99)]!);
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  return { r: clamp(bg.r + s * ux), g: clamp(bg.g + s * uy), b: clamp(bg.b + s * uz) };
}

/** Separates the image into background and ink coverages. */
export function separateInks(image: RgbaImage): InkSeparation {
  const { width, height, data } = image;
  const n = width * height;
  const background = dominantColour(image);
  const inks: Ink[] = [];
  let backgroundPixels = 0;
  let unexplained = 0;
  if (background === undefined) {
    // Transparent background: each opaque colour is an ink, its coverage the alpha.
    const colours = findInksOpaque(image);
    for (const colour of colours) inks.push({ colour, coverage: new Uint8Array(n), inkPixels: 0 });
    for (let p = 0, i = 0; p < n; p++, i += 4) {
      const a = data[i + 3]!;
      if (a < 26) {
        backgroundPixels++;
        continue;
      }
      const c = { r: data[i]!, g: data[i + 1]!, b: data[i + 2]! };
      let best = -1;
      let bestD = Infinity;
      for (let k = 0; k < inks.length; k++) {
        const dd = dist(c, inks[k]!.colour);
        if (dd < bestD) [best, bestD] = [k, dd];
      }
      if (best < 0 || bestD > 2 * MIX_RESIDUAL) {
        unexplained++;
        continue;
      }
      inks[best]!.coverage[p] = a;
    }
  } else {
    const minPixels = Math.max(12, Math.round(n * 0.0002));
    for (const colour of findInks(image, background, minPixels)) inks.push({ colour, coverage: new Uint8Array(n), inkPixels: 0 });
    // Per ink: its direction from the background and 1/|ink - background|², for the projections.
    const dirs = inks.map(({ colour: k }) => {
      const dx = k.r - background.r;
      const dy = k.g - background.g;
      const dz = k.b - background.b;
      return { dx, dy, dz, inv: 1 / (dx * dx + dy * dy + dz * dz || 1) };
    });
    const { r: br, g: bgG, b: bb } = background;
    for (let p = 0, i = 0; p < n; p++, i += 4) {
      const a = data[i + 3]! / 255;
      // The pixel over the background, relative to the background.
      const px = (data[i]! - br) * a;
      const py = (data[i + 1]! - bgG) * a;
      const pz = (data[i + 2]! - bb) * a;
      if (px * px + py * py + pz * pz < 400) {
        backgroundPixels++;
        continue;
      }
      let best = -1;
      let bestResidual = Infinity;
      let bestT = 0;
      for (let k = 0; k < dirs.length; k++) {
        const { dx, dy, dz, inv } = dirs[k]!;
        const t = Math.max(0, Math.min(1, (px * dx + py * dy + pz * dz) * inv));
        if (t <= 0.05) continue;
        const ex = px - t * dx;
        const ey = py - t * dy;
        const ez = pz - t * dz;
        const residual = ex * ex + ey * ey + ez * ez;
        if (residual < bestResidual) [best, bestResidual, bestT] = [k, residual, t];
      }
      if (best < 0 || bestResidual > MIX_RESIDUAL * MIX_RESIDUAL) {
        unexplained++;
        if (best < 0) continue;
      }
      inks[best]!.coverage[p] = Math.round(bestT * 255);
      if (bestT < 0.1) backgroundPixels++;
    }
  }
  for (const ink of inks) {
    let count = 0;
    for (let p = 0; p < n; p++) if (ink.coverage[p]! >= 128) count++;
    ink.inkPixels = count;
  }
  return {
    width,
    height,
    background,
    inks: inks.filter((k) => k.inkPixels > 0).sort((a, b) => b.inkPixels - a.inkPixels),
    backgroundShare: backgroundPixels / n,
    unexplainedShare: unexplained / n,
  };
}

/** Ink colours of a transparent image: the commonest opaque colours, one per distinct hue. */
function findInksOpaque(image: RgbaImage): Rgb[] {
  const { data } = image;
  const counts = new Map<number, { n: number; r: number; g: number; b: number }>();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3]! < 200) continue;
    const key = ((data[i]! >> 4) << 8) | ((data[i + 1]! >> 4) << 4) | (data[i + 2]! >> 4);
    const bin = counts.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
    bin.n++;
    bin.r += data[i]!;
    bin.g += data[i + 1]!;
    bin.b += data[i + 2]!;
    counts.set(key, bin);
  }
  const minPixels = Math.max(12, Math.round(image.width * image.height * 0.0002));
  const inks: Rgb[] = [];
  for (const bin of [...counts.values()].sort((a, b) => b.n - a.n)) {
    if (bin.n < minPixels || inks.length > MAX_INKS) break;
    const c = { r: Math.round(bin.r / bin.n), g: Math.round(bin.g / bin.n), b: Math.round(bin.b / bin.n) };
    if (!inks.some((k) => dist(c, k) < STRONG)) inks.push(c);
  }
  return inks;
}

/** The mask of one ink: 1 where its coverage is at least one half. */
export function inkMask(ink: Ink): Uint8Array {
  const mask = new Uint8Array(ink.coverage.length);
  for (let p = 0; p < mask.length; p++) mask[p] = ink.coverage[p]! >= 128 ? 1 : 0;
  return mask;
}
