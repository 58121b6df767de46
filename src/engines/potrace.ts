/**
 * Colour potrace: quantise, then trace one bitmap per colour with npm `potrace` (GPL-2.0).
 *
 * The package's own entry points are bypassed: `trace()` decodes through jimp and the
 * Posterizer is grey-only and re-traces the image per threshold. Instead we fill potrace's
 * luminance Bitmap ourselves (0 = ink, 255 = paper) and ask for the path. The package is
 * loaded lazily because Potrace.js requires jimp at load time (~100 ms), which processes that
 * only list the engines should not pay for.
 */
import { createRequire } from 'node:module';
import { SRGB8_TO_LINEAR, linearRgbToOklabInto } from '../color/oklab.js';
import { TRANSPARENT, applyPalette, quantize, type Quantized, type Rgb } from '../color/quantize.js';
import type { Engine, RgbaImage } from './engine.js';

export interface PotraceParams {
  /** Palette size for quantisation; ignored when `palette` is given. */
  maxColors: number;
  /** Fixed palette: every opaque pixel is mapped to its nearest entry (Oklab). */
  palette?: Rgb[];
  /**
   * 'stacked': layers drawn largest first, each covering its own pixels plus those of every
   * layer drawn after it, so upper shapes sit on an underlay and no seams show.
   * 'cutout': each layer covers only its own pixels (shapes do not overlap).
   */
  stacking: 'stacked' | 'cutout';
  /** Potrace: drop outlines enclosing at most this many pixels (speckles). */
  turdSize: number;
  /** Potrace: corner threshold; 0 = polygons, 1.33 = no corners. */
  alphaMax: number;
  /** Potrace: curve optimisation tolerance. */
  optTolerance: number;
  /**
   * 'drop-largest': when the largest colour touches most of the border and nothing is
   * transparent, draw it as one background <rect> instead of tracing it.
   * 'keep': trace every colour.
   */
  background: 'drop-largest' | 'keep';
  /**
   * 'merge' (default): colours that only form thin fringes along edges and are a blend of two
   * other colours (anti-aliasing) are folded into those colours, each pixel to the nearer one.
   * Traced as layers of their own they become hundreds of slivers: on an anti-aliased logo 10-40x
   * the bytes, and a worse picture. 'keep': trace every quantised colour. Ignored with `palette`.
   */
  edgeColors?: 'merge' | 'keep';
}

export const DEFAULT_POTRACE_PARAMS: Readonly<PotraceParams> = Object.freeze({
  maxColors: 8,
  stacking: 'stacked',
  turdSize: 2,
  alphaMax: 1,
  optTolerance: 0.2,
  background: 'drop-largest',
  edgeColors: 'merge',
});

// --- The slice of potrace's internals we rely on (checked against potrace 2.1.8). ---

interface PotraceBitmap {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

interface PotraceOptions {
  turnPolicy?: 'black' | 'white' | 'left' | 'right' | 'minority' | 'majority';
  turdSize?: number;
  alphaMax?: number;
  optCurve?: boolean;
  optTolerance?: number;
  /** 0-255, or -1 (THRESHOLD_AUTO): Otsu-style threshold from the luminance histogram. */
  threshold?: number;
  /** true: luminance <= threshold is ink. */
  blackOnWhite?: boolean;
}

interface PotraceInstance {
  /** Set directly instead of loadImage(): this is what _processLoadedImage would produce. */
  _luminanceData: PotraceBitmap | null;
  _imageLoaded: boolean;
  getPathTag(fillColor?: string): string;
  getSVG(): string;
}

interface PotraceModule {
  Potrace: new (options?: PotraceOptions) => PotraceInstance;
  Bitmap: new (width: number, height: number) => PotraceBitmap;
}

const require = createRequire(import.meta.url);

/** Version of the potrace package, for cache keys. */
export const POTRACE_VERSION: string = (require('potrace/package.json') as { version: string }).version;

let loaded: PotraceModule | undefined;
function potrace(): PotraceModule {
  loaded ??= {
    Potrace: require('potrace/lib/Potrace.js') as PotraceModule['Potrace'],
    // The same module instance Potrace.js uses, so its Histogram's instanceof check holds.
    Bitmap: require('potrace/lib/types/Bitmap.js') as PotraceModule['Bitmap'],
  };
  return loaded;
}

// --- SVG helpers ---

function svgOpen(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`;
}

function hex(c: Rgb): string {
  return '#' + ((1 << 24) | (c.r << 16) | (c.g << 8) | c.b).toString(16).slice(1);
}

/** Integers divided by 100 print as their shortest decimal, so this is also the formatting. */
function round2(token: string): string {
  const v = Math.round(Number(token) * 100) / 100;
  return v === 0 ? '0' : String(v);
}

/**
 * potrace writes every number with toFixed(3) and separators like "C a b, c d, e f". Two
 * decimals are a hundredth of a pixel, far below what rendering can show, and save ~25%.
 */
export function compactPathData(d: string): string {
  return d
    .replace(/-?\d+(?:\.\d+)?/g, round2)
    .replace(/, /g, ' ')
    .replace(/([MLC]) /g, '$1');
}

function pathDataOf(tag: string): string {
  const start = tag.indexOf('d="') + 3;
  return tag.slice(start, tag.indexOf('"', start));
}

/**
 * Paper columns added on the right of every bitmap. potrace's Bitmap.pointToIndex accepts
 * x === width (its range check is inclusive), which reads the first pixel of the next row: ink in
 * column 0 then leaks past the right edge and yields slivers and coordinates beyond the image.
 * Potrace looks at most 3 pixels right of a vertex (turn-policy majority), and vertices lie at
 * x <= width, so 4 columns of paper keep every lookup inside its row. Padding on the right
 * leaves coordinates unchanged.
 */
const RIGHT_PAD = 4;

/** Traces one mask (mask[p] !== 0 is ink) and returns the path data, or '' when nothing survives. */
function traceMask(mask: Uint8Array, width: number, height: number, params: PotraceParams): string {
  const { Potrace, Bitmap } = potrace();
  const stride = width + RIGHT_PAD;
  const bitmap = new Bitmap(stride, height);
  const lum = bitmap.data;
  lum.fill(255);
  for (let y = 0, p = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++, p++) if (mask[p]) lum[row + x] = 0;
  }
  const tracer = new Potrace({
    turdSize: params.turdSize,
    alphaMax: params.alphaMax,
    optCurve: true,
    optTolerance: params.optTolerance,
    // An explicit threshold skips the histogram pass; with blackOnWhite, lum <= 128 is ink.
    threshold: 128,
    blackOnWhite: true,
  });
  tracer._luminanceData = bitmap;
  tracer._imageLoaded = true;
  return compactPathData(pathDataOf(tracer.getPathTag('#000')));
}

/** One binary mask (mask[p] !== 0 is inside) as path data, at potrace's defaults unless given: '' when empty. */
export function tracePotraceMask(mask: Uint8Array, width: number, height: number, params: Partial<PotraceParams> = {}): string {
  return traceMask(mask, width, height, { ...DEFAULT_POTRACE_PARAMS, ...params });
}

/** Share of the border pixels that belong to palette entry `index`. */
function borderShare(indices: Uint16Array, width: number, height: number, index: number): number {
  let hit = 0;
  let total = 0;
  const visit = (p: number): void => {
    total++;
    if (indices[p] === index) hit++;
  };
  for (let x = 0; x < width; x++) {
    visit(x);
    if (height > 1) visit((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(y * width);
    if (width > 1) visit(y * width + width - 1);
  }
  return total === 0 ? 0 : hit / total;
}

/** A layer is "solid" when at least this share of its pixels has all 4 neighbours in it. */
const SOLID_INTERIOR_SHARE = 0.2;
/** How far (RGB Euclidean) a fringe colour may sit from the blend line of two anchor colours. */
const BLEND_TOLERANCE = 24;

/**
 * Folds anti-aliasing fringes into the colours they blend (see PotraceParams.edgeColors). A thin
 * layer (few interior pixels) is merged only if its colour lies near the segment between two
 * anchor colours, or near one; a thin line in a distinct colour is an anchor itself and stays.
 * Mutates q.indices and q.counts.
 */
function mergeEdgeColours(q: Quantized, image: RgbaImage): void {
  const { width, height, data } = image;
  const { palette, counts, indices } = q;
  const k = palette.length;
  if (k < 3) return;

  const interior = new Float64Array(k);
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      const c = indices[p]!;
      if (c === TRANSPARENT) continue;
      if (
        (x === 0 || indices[p - 1] === c) &&
        (x === width - 1 || indices[p + 1] === c) &&
        (y === 0 || indices[p - width] === c) &&
        (y === height - 1 || indices[p + width] === c)
      ) {
        interior[c]!++;
      }
    }
  }
  let largest = 0;
  for (let c = 1; c < k; c++) if (counts[c]! > counts[largest]!) largest = c;
  const solid: number[] = [];
  const thin: number[] = [];
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    (c === largest || interior[c]! >= SOLID_INTERIOR_SHARE * counts[c]! ? solid : thin).push(c);
  }
  if (thin.length === 0) return;

  // Anchors are the colours fringes blend between: solid layers, plus thin layers that are not
  // themselves a blend of two other colours (a 1 px black line in line art is thin, but its grey
  // fringe should still fold into black and white).
  const present = [...solid, ...thin];
  const anchors = [...solid];
  for (const c of thin) {
    const others = present.filter((o) => o !== c);
    const blend = nearestBlend(palette[c]!, palette, others, false).distance <= BLEND_TOLERANCE;
    const nearSolid = nearestBlend(palette[c]!, palette, solid, true).distance <= BLEND_TOLERANCE;
    if (!blend && !nearSolid) anchors.push(c);
  }
  anchors.sort((x, y) => x - y);

  // A thin non-anchor colour is merged if it lies near a blend line between two anchors (or near one).
  const merge = new Uint8Array(k);
  let any = false;
  for (const c of thin) {
    if (anchors.includes(c)) continue;
    if (nearestBlend(palette[c]!, palette, anchors, true).distance <= BLEND_TOLERANCE) {
      merge[c] = 1;
      any = true;
    }
  }
  if (!any) return;

  const lab = new Float64Array(k * 3);
  for (const c of anchors) {
    const { r, g, b } = palette[c]!;
    linearRgbToOklabInto(SRGB8_TO_LINEAR[r]!, SRGB8_TO_LINEAR[g]!, SRGB8_TO_LINEAR[b]!, lab, c * 3);
  }
  const px: Rgb = { r: 0, g: 0, b: 0 };
  const pxLab = [0, 0, 0];
  const dist = (c: number): number =>
    (pxLab[0]! - lab[c * 3]!) ** 2 + (pxLab[1]! - lab[c * 3 + 1]!) ** 2 + (pxLab[2]! - lab[c * 3 + 2]!) ** 2;
  // Fringe pixels repeat a handful of blend levels; a small direct-mapped cache skips the search.
  const cacheKey = new Int32Array(1024).fill(-1);
  const cacheVal = new Uint16Array(1024);
  for (let p = 0, o = 0; p < indices.length; p++, o += 4) {
    const c = indices[p]!;
    if (c === TRANSPARENT || merge[c] === 0) continue;
    const rgb = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
    const slot = Math.imul(rgb, 0x9e3779b1) >>> 22;
    let to: number;
    if (cacheKey[slot] === rgb) {
      to = cacheVal[slot]!;
    } else {
      px.r = data[o]!;
      px.g = data[o + 1]!;
      px.b = data[o + 2]!;
      // Each pixel picks its own blend line (one fringe cluster can hold pixels from several
      // edges), then the nearer end in Oklab: the choice quantising to the anchors alone would
      // make. (Splitting at 50% RGB coverage instead measured worse after potrace smoothing.)
      const { a, b } = nearestBlend(px, palette, anchors, true);
      to = a;
      if (b !== a) {
        linearRgbToOklabInto(SRGB8_TO_LINEAR[px.r]!, SRGB8_TO_LINEAR[px.g]!, SRGB8_TO_LINEAR[px.b]!, pxLab);
        if (dist(b) < dist(a)) to = b;
      }
      cacheKey[slot] = rgb;
      cacheVal[slot] = to;
    }
    indices[p] = to;
    counts[c]!--;
    counts[to]!++;
  }
}

/**
 * The blend line closest to C among `colours`: the segment between two of them (a, b), or with
 * `singles`, one of them (a === b). Ties keep the earlier candidate, for determinism.
 */
function nearestBlend(
  C: Rgb,
  palette: readonly Rgb[],
  colours: readonly number[],
  singles: boolean,
): { distance: number; a: number; b: number } {
  let distance = Infinity;
  let bestA = colours[0] ?? 0;
  let bestB = bestA;
  for (let i = 0; i < colours.length; i++) {
    const a = colours[i]!;
    const A = palette[a]!;
    const d = singles ? segmentDistance(C, A, A) : Infinity;
    if (d < distance) {
      distance = d;
      bestA = bestB = a;
    }
    for (let j = i + 1; j < colours.length; j++) {
      const b = colours[j]!;
      const e = segmentDistance(C, A, palette[b]!);
      if (e < distance) {
        distance = e;
        bestA = a;
        bestB = b;
      }
    }
  }
  return { distance, a: bestA, b: bestB };
}

/** Where a colour projects on the segment A->B: 0 at A, 1 at B (unclamped). */
function blendPosition(r: number, g: number, b: number, A: Rgb, B: Rgb): number {
  const dr = B.r - A.r;
  const dg = B.g - A.g;
  const db = B.b - A.b;
  const len2 = dr * dr + dg * dg + db * db;
  return len2 === 0 ? 0 : ((r - A.r) * dr + (g - A.g) * dg + (b - A.b) * db) / len2;
}

/** RGB distance from C to the segment A-B. */
function segmentDistance(C: Rgb, A: Rgb, B: Rgb): number {
  const t = Math.min(1, Math.max(0, blendPosition(C.r, C.g, C.b, A, B)));
  const r = A.r + t * (B.r - A.r) - C.r;
  const g = A.g + t * (B.g - A.g) - C.g;
  const b = A.b + t * (B.b - A.b) - C.b;
  return Math.sqrt(r * r + g * g + b * b);
}

/** Colour potrace. Exported for callers that want it without the Engine wrapper. */
export function tracePotraceColor(image: RgbaImage, params: PotraceParams): string {
  const { width, height } = image;
  const n = width * height;
  const open = svgOpen(width, height);
  if (n === 0) return open + '</svg>';

  const fixed = params.palette !== undefined && params.palette.length > 0;
  const q: Quantized = fixed ? applyPalette(image, params.palette!) : quantize(image, { maxColors: params.maxColors });
  if (!fixed && params.edgeColors !== 'keep') mergeEdgeColours(q, image);

  // Draw order: largest area first (bottom). rank[paletteIndex] = position in draw order.
  const layers = q.counts
    .map((count, index) => ({ index, count }))
    .filter((l) => l.count > 0)
    .sort((a, b) => b.count - a.count || a.index - b.index);
  if (layers.length === 0) return open + '</svg>';
  const rank = new Int32Array(q.palette.length).fill(-1);
  layers.forEach((l, i) => (rank[l.index] = i));

  let opaque = 0;
  for (const l of layers) opaque += l.count;
  const hasTransparency = opaque < n;

  let out = open;
  let first = 0;
  const bottom = layers[0]!;
  if (params.background === 'drop-largest' && !hasTransparency && borderShare(q.indices, width, height, bottom.index) > 0.5) {
    out += `<rect width="${width}" height="${height}" fill="${hex(q.palette[bottom.index]!)}"/>`;
    first = 1;
  }

  const pixelRank = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const c = q.indices[p]!;
    pixelRank[p] = c === TRANSPARENT ? -1 : rank[c]!;
  }
  const stacked = params.stacking === 'stacked';
  const mask = new Uint8Array(n);
  for (let i = first; i < layers.length; i++) {
    for (let p = 0; p < n; p++) {
      const r = pixelRank[p]!;
      mask[p] = stacked ? (r >= i ? 1 : 0) : r === i ? 1 : 0;
    }
    const d = traceMask(mask, width, height, params);
    if (d) out += `<path d="${d}" fill="${hex(q.palette[layers[i]!.index]!)}" fill-rule="evenodd"/>`;
  }
  return out + '</svg>';
}

export const potraceEngine: Engine<PotraceParams> = {
  name: 'potrace',
  version: POTRACE_VERSION,
  async trace(image, params) {
    // Tolerate partial params from callers that only override a few fields.
    return tracePotraceColor(image, { ...DEFAULT_POTRACE_PARAMS, ...params });
  },
};

/**
 * Potrace as users typically run it, for benchmarks: `potrace.trace(file, cb)` with no options.
 * That composites the image on white, takes luminance (0.2126 R + 0.7153 G + 0.0721 B, rounded),
 * picks the threshold automatically from the histogram (falling back to 128) and draws one black
 * layer (turdSize 2, alphaMax 1, optTolerance 0.2). We reproduce its _processLoadedImage without
 * jimp, then call its own getSVG(), so the output is byte-for-byte what the package writes,
 * including its right-edge wrap-around artefact (see RIGHT_PAD), which users see too.
 */
export function tracePotraceDefault(image: RgbaImage): string {
  const { width, height, data } = image;
  if (width * height === 0) return svgOpen(width, height) + '</svg>';
  const { Potrace, Bitmap } = potrace();
  const bitmap = new Bitmap(width, height);
  const lum = bitmap.data;
  for (let p = 0, o = 0; p < lum.length; p++, o += 4) {
    const opacity = data[o + 3]! / 255;
    const r = 255 + (data[o]! - 255) * opacity;
    const g = 255 + (data[o + 1]! - 255) * opacity;
    const b = 255 + (data[o + 2]! - 255) * opacity;
    lum[p] = Math.round(0.2126 * r + 0.7153 * g + 0.0721 * b);
  }
  const tracer = new Potrace();
  tracer._luminanceData = bitmap;
  tracer._imageLoaded = true;
  return tracer.getSVG();
}

/**
 * Benchmark baseline; takes no parameters. Its version differs from potraceEngine's so the two
 * can never share a cache entry.
 */
export const potraceDefaultEngine: Engine<unknown> = {
  name: 'potrace',
  version: `${POTRACE_VERSION}+default`,
  async trace(image) {
    return tracePotraceDefault(image);
  },
};
