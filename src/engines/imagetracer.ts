/**
 * imagetracerjs (public domain): its own colour quantisation, layering and line/spline fitting,
 * all in synchronous JavaScript.
 */
import { createRequire } from 'node:module';
import type { Engine, RgbaImage } from './engine.js';

/** Presets built into imagetracerjs 1.2.6 (its `optionpresets`). */
export type ImageTracerPreset =
  | 'default'
  | 'posterized1'
  | 'posterized2'
  | 'posterized3'
  | 'curvy'
  | 'sharp'
  | 'detailed'
  | 'smoothed'
  | 'grayscale'
  | 'fixedpalette'
  | 'randomsampling1'
  | 'randomsampling2'
  | 'artistic1'
  | 'artistic2'
  | 'artistic3'
  | 'artistic4';

/**
 * A typed subset of imagetracerjs options. Like the library: a field left out takes the
 * preset's value, then the library default. So to use a preset, pass `{ preset }` plus only the
 * fields to override; spreading DEFAULT_IMAGETRACER_PARAMS over a preset would mask it.
 */
export interface ImageTracerParams {
  preset?: ImageTracerPreset;
  /** Palette size. */
  numberofcolors?: number;
  /** 0: generated palette (grey ramp or RGB cube), 1: random samples, 2: grid samples. */
  colorsampling?: 0 | 1 | 2;
  /** Re-seed a palette entry used by less than this share of pixels (0 disables). */
  mincolorratio?: number;
  /** k-means rounds of its colour quantisation. */
  colorquantcycles?: number;
  /** Error threshold for straight lines. */
  ltres?: number;
  /** Error threshold for quadratic splines. */
  qtres?: number;
  /** Edge paths shorter than this are dropped (noise). */
  pathomit?: number;
  /** Selective Gaussian blur radius (0 = off, 1-5). */
  blurradius?: number;
  /** Selective blur: only blend pixels whose RGBA difference is below this. */
  blurdelta?: number;
  /** Decimal places of coordinates (-1 = no rounding). */
  roundcoords?: number;
  /** Stroke width of every path (in the path's own colour); 0 leaves seams between layers. */
  strokewidth?: number;
  /** Drop paths with fewer than 3 segments. */
  linefilter?: boolean;
  rightangleenhance?: boolean;
  /**
   * Coordinates are multiplied by this before rounding (so it also sets the precision); the
   * output is scaled back so the viewBox stays in image pixels.
   */
  scale?: number;
  /** Accepted for compatibility and ignored: the root always gets width, height and viewBox. */
  viewbox?: boolean;
  /** Accepted for compatibility and ignored: desc attributes are not valid SVG and are never written. */
  desc?: boolean;
}

type ImageTracerOptionValues = Required<Omit<ImageTracerParams, 'preset'>>;

/** imagetracerjs 1.2.6's 'default' option set, restricted to the fields above. */
export const DEFAULT_IMAGETRACER_PARAMS: Readonly<ImageTracerOptionValues> = Object.freeze({
  numberofcolors: 16,
  colorsampling: 2,
  mincolorratio: 0,
  colorquantcycles: 3,
  ltres: 1,
  qtres: 1,
  pathomit: 8,
  blurradius: 0,
  blurdelta: 20,
  roundcoords: 1,
  strokewidth: 1,
  linefilter: false,
  rightangleenhance: true,
  scale: 1,
  viewbox: false,
  desc: false,
});

interface RgbaColor {
  r: number;
  g: number;
  b: number;
  a: number;
}

interface ImageTracerOptions extends Partial<ImageTracerOptionValues> {
  pal?: RgbaColor[];
  [other: string]: unknown;
}

interface ImageTracerLib {
  versionnumber: string;
  optionpresets: Record<string, ImageTracerOptions>;
  imagedataToSVG(imgd: { width: number; height: number; data: Uint8Array }, options: ImageTracerOptions): string;
}

const require = createRequire(import.meta.url);
const tracer = require('imagetracerjs') as ImageTracerLib;

/** Version of the imagetracerjs package, for cache keys. */
export const IMAGETRACER_VERSION: string = (require('imagetracerjs/package.json') as { version: string }).version;

/** mulberry32: tiny, fast, good enough to stand in for Math.random in the tracer. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANDOM_SEED = 0x5eed1e55;
const ALPHA_THRESHOLD = 128;

/**
 * imagetracer clusters RGBA with alpha as a fourth channel, so semi-transparent edges and
 * transparent pixels with leftover RGB produce half-opaque palette entries that paint over
 * transparent areas. Apply the same policy as the other engines: alpha below the threshold
 * becomes 0,0,0,0, the rest opaque. The caller's pixels are returned as they are when already clean.
 */
function normaliseAlpha(data: Uint8Array): Uint8Array {
  let clean = true;
  for (let o = 3; o < data.length; o += 4) {
    const a = data[o]!;
    if (a === 255) continue;
    if (a !== 0 || data[o - 1] !== 0 || data[o - 2] !== 0 || data[o - 3] !== 0) {
      clean = false;
      break;
    }
  }
  if (clean) return data;
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += 4) {
    if (data[o + 3]! < ALPHA_THRESHOLD) continue;
    out[o] = data[o]!;
    out[o + 1] = data[o + 1]!;
    out[o + 2] = data[o + 2]!;
    out[o + 3] = 255;
  }
  return out;
}

function buildOptions(params: ImageTracerParams): ImageTracerOptions {
  const options: ImageTracerOptions = {};
  const preset = params.preset ? tracer.optionpresets[params.preset] : undefined;
  if (preset) {
    Object.assign(options, preset);
    // colorquantization() writes its averaged colours back into options.pal, so a preset's
    // palette (posterized3) would drift from call to call if it were shared.
    if (preset.pal) options.pal = preset.pal.map((c) => ({ ...c }));
  }
  for (const [key, value] of Object.entries(params)) {
    if (key !== 'preset' && value !== undefined) options[key] = value;
  }
  options.desc = false;
  options.viewbox = false;
  return options;
}

function hexByte(v: string): string {
  return (+v).toString(16).padStart(2, '0');
}

/**
 * Normalises imagetracer's document: our own root element (it writes either width/height or a
 * viewBox, plus a non-SVG desc attribute), #rrggbb instead of rgb(), no opacity="1", and no
 * fully transparent paths (transparent pixels get palette entries with alpha 0, drawn invisibly).
 */
function normalise(svg: string, width: number, height: number, scale: number): string {
  const bodyStart = svg.indexOf('>') + 1;
  const bodyEnd = svg.lastIndexOf('</svg>');
  let body = svg
    .slice(bodyStart, bodyEnd < 0 ? svg.length : bodyEnd)
    .replace(/<path [^>]*\bopacity="0"[^>]*\/>/g, '')
    .replace(/rgb\((\d+),(\d+),(\d+)\)/g, (_m, r: string, g: string, b: string) => `#${hexByte(r)}${hexByte(g)}${hexByte(b)}`)
    .replace(/ opacity="1"/g, '');
  if (scale !== 1) body = `<g transform="scale(${1 / scale})">${body}</g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;
}

/**
 * Traces with imagetracerjs. Deterministic: the library calls Math.random for colorsampling 1,
 * for the random part of a generated palette (colorsampling 0 with 8+ colours that are not a
 * cube) and for mincolorratio re-seeding. Forcing options that avoid those paths would silently
 * change what several presets do, so instead Math.random is replaced by a freshly seeded PRNG
 * for the duration of the call. The call is synchronous, so no other code can observe the swap.
 */
export function traceImageTracer(image: RgbaImage, params: ImageTracerParams): string {
  const { width, height } = image;
  const options = buildOptions(params);
  const scale = typeof options.scale === 'number' && options.scale > 0 ? options.scale : 1;
  options.scale = scale;
  if (width * height === 0) return normalise('<svg></svg>', width, height, 1);
  const data = normaliseAlpha(image.data);
  const random = Math.random;
  Math.random = mulberry32(RANDOM_SEED);
  let svg: string;
  try {
    // imagetracer only reads data (blur writes a new copy), so it never mutates the caller's.
    svg = tracer.imagedataToSVG({ width, height, data }, options);
  } finally {
    Math.random = random;
  }
  return normalise(svg, width, height, scale);
}

export const imagetracerEngine: Engine<ImageTracerParams> = {
  name: 'imagetracer',
  version: IMAGETRACER_VERSION,
  async trace(image, params) {
    return traceImageTracer(image, params);
  },
};
