/**
 * VTracer (visioncortex, Rust) through @neplex/vectorizer's N-API binding. A whole image is traced
 * synchronously, on the trace thread that asked: the libuv thread pool is one per process, shared
 * by every trace thread's sharp calls, and whole-image traces of 100-250 ms on it (a cancelled one
 * runs on to its end) kept the next request's decode waiting for a pool thread. On its own thread
 * the call is also what the pool's priority lowering reaches (src/queue/thread-priority.ts).
 * Tiles of a tiled trace are short and run two at a time on the pool, for both cores.
 */
import { createRequire } from 'node:module';
import { throwIfCancelled } from '../pipeline/cancellation.js';
import type { Engine, RgbaImage } from './engine.js';

export type VtracerColorMode = 'color' | 'binary';
export type VtracerHierarchical = 'stacked' | 'cutout';
/** 'none' is vtracer's "pixel" mode: staircase outlines along pixel edges. */
export type VtracerMode = 'none' | 'polygon' | 'spline';

export interface VtracerParams {
  /**
   * 'color' traces colour clusters. 'binary' traces one black layer; unlike the vtracer CLI
   * (which thresholds the red channel only) we threshold luminance composited on white.
   */
  colorMode: VtracerColorMode;
  /** 'stacked': shapes overlap (no seams); 'cutout': shapes tile the image. Colour mode only. */
  hierarchical: VtracerHierarchical;
  /** Discard patches smaller than this many pixels per side (area filterSpeckle^2). */
  filterSpeckle: number;
  /** Significant bits per RGB channel (1-8). */
  colorPrecision: number;
  /** Colour difference between gradient layers (CLI: gradient_step). */
  layerDifference: number;
  mode: VtracerMode;
  /** Minimum momentary angle (degrees) to count as a corner. */
  cornerThreshold: number;
  /** Subdivide-smooth until segments are shorter than this (CLI: segment_length, 3.5-10). */
  lengthThreshold: number;
  maxIterations: number;
  /** Minimum angle displacement (degrees) to splice a spline. */
  spliceThreshold: number;
  /** Decimal places in path data. */
  pathPrecision: number;
  /**
   * Trace in tiles of at most this many pixels per side, up to `tileConcurrency` at a time on
   * libuv's thread pool, and join them. vtracer's clustering costs more than linear time in the
   * pixel count (a 768x512 photo: ~1.2 s whole, ~0.5 s as 8 tiles one after the other), so tiles
   * are faster even on one core. Each tile reaches one pixel into the next, under it, so no seam
   * shows. 0 or unset: one trace of the whole image.
   */
  tileSize?: number;
  /** Tiles traced at the same time (default 2). */
  tileConcurrency?: number;
}

/** `vtracer` command-line defaults (cmdapp/src/config.rs, Config::default). */
export const VTRACER_CLI_DEFAULTS: Readonly<VtracerParams> = Object.freeze({
  colorMode: 'color',
  hierarchical: 'stacked',
  filterSpeckle: 4,
  colorPrecision: 6,
  layerDifference: 16,
  mode: 'spline',
  cornerThreshold: 60,
  lengthThreshold: 4,
  maxIterations: 10,
  spliceThreshold: 45,
  pathPrecision: 2,
});

/** vtracer's `--preset poster` (Config::from_preset(Preset::Poster)). */
export const VTRACER_POSTER: Readonly<VtracerParams> = Object.freeze({
  ...VTRACER_CLI_DEFAULTS,
  colorPrecision: 8,
});

/** vtracer's `--preset photo` (Config::from_preset(Preset::Photo)). */
export const VTRACER_PHOTO: Readonly<VtracerParams> = Object.freeze({
  ...VTRACER_CLI_DEFAULTS,
  filterSpeckle: 10,
  colorPrecision: 8,
  layerDifference: 48,
  cornerThreshold: 180,
});

// The package's index.d.ts declares these as `const enum`, which isolatedModules cannot inline.
const COLOR_MODE = { color: 0, binary: 1 } as const satisfies Record<VtracerColorMode, number>;
const HIERARCHICAL = { stacked: 0, cutout: 1 } as const satisfies Record<VtracerHierarchical, number>;
const MODE = { none: 0, polygon: 1, spline: 2 } as const satisfies Record<VtracerMode, number>;

interface NativeConfig {
  colorMode: number;
  hierarchical: number;
  filterSpeckle: number;
  colorPrecision: number;
  layerDifference: number;
  mode: number;
  cornerThreshold: number;
  lengthThreshold: number;
  maxIterations: number;
  spliceThreshold: number;
  pathPrecision?: number;
}

interface VectorizerModule {
  vectorizeRaw(source: Buffer, args: { width: number; height: number }, config?: NativeConfig | null): Promise<string>;
  vectorizeRawSync(source: Buffer, args: { width: number; height: number }, config?: NativeConfig | null): string;
}

const require = createRequire(import.meta.url);
const vectorizer = require('@neplex/vectorizer') as VectorizerModule;

/** Version of @neplex/vectorizer, for cache keys. */
export const VTRACER_VERSION: string = (require('@neplex/vectorizer/package.json') as { version: string }).version;

const ALPHA_THRESHOLD = 128;

/**
 * The key colours vtracer tries, in order, before falling back to *random* ones
 * (find_unused_color_in_image). We make sure one is always free, keeping output deterministic.
 */
const SPECIAL_COLORS = [0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0x00ffff, 0xff00ff] as const;

/**
 * vtracer's should_key_image: it only treats alpha-0 pixels as transparent when at least 20%
 * of two rows' worth of pixels on five sample scanlines are transparent. Otherwise transparent
 * pixels are traced as their (meaningless) RGB. Mirrored here to know when it needs help.
 */
function vtracerWouldKey(data: Uint8Array, width: number, height: number): boolean {
  const threshold = Math.floor(width * 2 * 0.2);
  let transparent = 0;
  for (const y of [0, height >> 2, height >> 1, (3 * height) >> 2, height - 1]) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4 + 3] === 0) transparent++;
      if (transparent >= threshold) return true;
    }
  }
  return false;
}

interface Prepared {
  buffer: Buffer;
  /** False when every pixel is transparent (vtracer's colour mode fails on that). */
  anyOpaque: boolean;
  /** Rows of transparent padding added above (and below) the image. */
  pad: number;
}

/**
 * Pixels under the alpha threshold become alpha 0, the rest alpha 255 (our policy for every
 * engine). If the image has transparency that vtracer's keying heuristic would miss, one fully
 * transparent row is added above and below, which always trips it; the output is shifted back.
 */
function prepare(image: RgbaImage, binary: boolean): Prepared {
  const { width, height, data } = image;
  const n = width * height;
  const px = new Uint8Array(n * 4);
  let anyTransparent = false;
  let anyOpaque = false;
  for (let o = 0; o < n * 4; o += 4) {
    const a = data[o + 3]!;
    if (a < ALPHA_THRESHOLD) {
      anyTransparent = true;
      // Colour mode: 0,0,0,0, which vtracer keys out. Binary mode ignores alpha: make it paper.
      if (binary) px.fill(255, o, o + 4);
      continue;
    }
    anyOpaque = true;
    if (binary) {
      // vtracer's binary mode thresholds the red channel only; give it luminance instead.
      const y = Math.round(0.2126 * data[o]! + 0.7152 * data[o + 1]! + 0.0722 * data[o + 2]!);
      px[o] = px[o + 1] = px[o + 2] = y;
    } else {
      px[o] = data[o]!;
      px[o + 1] = data[o + 1]!;
      px[o + 2] = data[o + 2]!;
    }
    px[o + 3] = 255;
  }
  if (binary || !anyTransparent || !anyOpaque) return { buffer: asBuffer(px), anyOpaque, pad: 0 };

  freeOneKeyColour(px);
  if (vtracerWouldKey(px, width, height)) return { buffer: asBuffer(px), anyOpaque, pad: 0 };
  const row = width * 4;
  const padded = Buffer.alloc(px.byteLength + 2 * row); // zero-filled: transparent rows
  padded.set(px, row);
  return { buffer: padded, anyOpaque, pad: 1 };
}

function asBuffer(px: Uint8Array): Buffer {
  return Buffer.from(px.buffer, px.byteOffset, px.byteLength);
}

/** If all six special colours occur, nudge one by a single level so vtracer never goes random. */
function freeOneKeyColour(px: Uint8Array): void {
  const present = new Set<number>();
  for (let o = 0; o < px.length; o += 4) {
    const rgb = (px[o]! << 16) | (px[o + 1]! << 8) | px[o + 2]!;
    if (SPECIAL_COLORS.includes(rgb as (typeof SPECIAL_COLORS)[number])) {
      present.add(rgb);
      if (present.size === SPECIAL_COLORS.length) break;
    }
  }
  if (present.size < SPECIAL_COLORS.length) return;
  // Magenta is the last one tried; 254,0,255 is indistinguishable below 8-bit colour precision.
  for (let o = 0; o < px.length; o += 4) {
    if (px[o] === 255 && px[o + 1] === 0 && px[o + 2] === 255) px[o] = 254;
  }
}

function toNative(p: VtracerParams): NativeConfig {
  return {
    colorMode: COLOR_MODE[p.colorMode],
    hierarchical: HIERARCHICAL[p.hierarchical],
    filterSpeckle: p.filterSpeckle,
    colorPrecision: p.colorPrecision,
    layerDifference: p.layerDifference,
    mode: MODE[p.mode],
    cornerThreshold: p.cornerThreshold,
    lengthThreshold: p.lengthThreshold,
    maxIterations: p.maxIterations,
    spliceThreshold: p.spliceThreshold,
    pathPrecision: p.pathPrecision,
  };
}

/**
 * vtracer writes an XML prolog, a generator comment and a root with width/height but no viewBox.
 * Replace all of that with our root; drop empty paths (it emits d="" for clusters with no
 * outline, e.g. on a 1x1 image); undo the padding shift if there was one.
 */
function normalise(svg: string, width: number, height: number, pad: number): string {
  const rootStart = svg.indexOf('<svg');
  const bodyStart = svg.indexOf('>', rootStart) + 1;
  const bodyEnd = svg.lastIndexOf('</svg>');
  let body = svg
    .slice(bodyStart, bodyEnd < 0 ? svg.length : bodyEnd)
    .replace(/<path d=""[^>]*\/>/g, '')
    .replace(/>\s+</g, '><')
    .trim();
  if (pad > 0 && body) body = `<g transform="translate(0 ${-pad})">${body}</g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;
}

/** The body (everything inside the root) of one tile's trace, on the libuv pool. */
async function tileBody(image: RgbaImage, params: VtracerParams): Promise<string> {
  const svg = await traceWhole(image, params, 'pool');
  return svg.slice(svg.indexOf('>') + 1, svg.lastIndexOf('</svg>'));
}

function crop(image: RgbaImage, x0: number, y0: number, w: number, h: number): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * image.width + x0) * 4;
    data.set(image.data.subarray(from, from + w * 4), y * w * 4);
  }
  return { width: w, height: h, data };
}

/** Moves a tile body by (dx, dy): vtracer puts translate(x,y) on every path; padded output is one group. */
function shiftBody(body: string, dx: number, dy: number): string {
  if (dx === 0 && dy === 0) return body;
  if (body.includes('<g')) return `<g transform="translate(${dx} ${dy})">${body}</g>`;
  // Shift each path's own translate, which the optimiser later folds into its coordinates.
  return body.replace(/<path\b[^>]*>/g, (tag) => {
    const m = /\stransform="translate\((-?[\d.]+),(-?[\d.]+)\)"/.exec(tag);
    if (m) return tag.replace(m[0], ` transform="translate(${Number(m[1]) + dx},${Number(m[2]) + dy})"`);
    if (/\stransform=/.test(tag)) return `<g transform="translate(${dx} ${dy})">${tag}</g>`;
    return tag.replace(/^<path/, `<path transform="translate(${dx},${dy})"`);
  });
}

async function traceTiled(image: RgbaImage, params: VtracerParams, tile: number): Promise<string> {
  const { width, height } = image;
  const cols = Math.ceil(width / tile);
  const rows = Math.ceil(height / tile);
  // Even tiles: a 768-wide image with tile 256 gives three tiles of 256, not 256+256+256 with a sliver.
  const tw = Math.ceil(width / cols);
  const th = Math.ceil(height / rows);
  const jobs: { x: number; y: number }[] = [];
  for (let y = 0; y < height; y += th) for (let x = 0; x < width; x += tw) jobs.push({ x, y });
  const bodies = new Array<string>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      // Each tile is a native call that cannot be interrupted: a cancelled trace starts no more.
      throwIfCancelled();
      const i = next++;
      const { x, y } = jobs[i]!;
      // One pixel into the right and lower neighbours (drawn later, on top): anti-aliased tile
      // edges then always have paint under them.
      const w = Math.min(tw + 1, width - x);
      const h = Math.min(th + 1, height - y);
      bodies[i] = shiftBody(await tileBody(crop(image, x, y, w, h), params), x, y);
    }
  };
  const concurrency = Math.max(1, Math.min(jobs.length, params.tileConcurrency ?? 2));
  await Promise.all(Array.from({ length: concurrency }, worker));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bodies.join('')}</svg>`;
}

export async function traceVtracer(image: RgbaImage, params: VtracerParams): Promise<string> {
  const tile = params.tileSize ?? 0;
  if (tile > 0 && (image.width > tile || image.height > tile)) return traceTiled(image, params, tile);
  return traceWhole(image, params, 'this thread');
}

/** Where the native call runs: on the calling thread, or on the process's libuv pool (tiles in parallel). */
type TraceOn = 'this thread' | 'pool';

async function traceWhole(image: RgbaImage, params: VtracerParams, on: TraceOn): Promise<string> {
  const { width, height } = image;
  if (width * height === 0) return normalise('<svg></svg>', width, height, 0);
  const { buffer, anyOpaque, pad } = prepare(image, params.colorMode === 'binary');
  if (!anyOpaque) return normalise('<svg></svg>', width, height, 0);
  let svg: string;
  try {
    const args = { width, height: height + 2 * pad };
    svg = on === 'pool' ? await vectorizer.vectorizeRaw(buffer, args, toNative(params)) : vectorizer.vectorizeRawSync(buffer, args, toNative(params));
  } catch (err) {
    // The binding reports Rust-side failures as a bare "Unknown error occurred".
    throw new Error(`vtracer failed on a ${width}x${height} image: ${(err as Error).message}`, { cause: err });
  }
  return normalise(svg, width, height, pad);
}

export const vtracerEngine: Engine<VtracerParams> = {
  name: 'vtracer',
  version: VTRACER_VERSION,
  trace(image, params) {
    return traceVtracer(image, { ...VTRACER_CLI_DEFAULTS, ...params });
  },
};
