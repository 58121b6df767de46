/**
 * SSIM between a source image and the render of its SVG, both composited over the same background.
 * The score is measured at the source's own size; where the source has transparency it is measured
 * over white and over black and the lower one is reported, so a trace that fills transparent areas
 * with a colour cannot hide behind a matching background.
 *
 * The metric is ssim.js's default (Wang et al.'s "original" downsampling, then Weber's fast SSIM).
 * ssim.js downsamples with a generic f x f convolution over every pixel, which costs seconds on a
 * 24-megapixel image; the same box average is computed here only where it is sampled. Its Weber
 * SSIM is then computed here with the same integer arithmetic, 5-7x faster. The numbers are
 * ssim.js's own, to the last bit (test/pipeline.test.ts; test/honesty.test.ts recomputes the
 * returned score independently with ssim.js on full-size composites).
 */
import type { RgbaImage } from '../engines/engine.js';
import { renderSvgBands, type RenderedSvg } from './rasterize.js';

type Background = 0 | 255;

/** ssim.js's integer luma, applied to a pixel already composited over `bg`. */
const luma = (r: number, g: number, b: number) => (77 * r + 150 * g + 29 * b + 128) >> 8;

function sourceLuma(image: RgbaImage, bg: Background): Uint8Array {
  const { data } = image;
  const out = new Uint8Array(image.width * image.height);
  for (let p = 0, i = 0; p < out.length; p++, i += 4) {
    const a = data[i + 3]!;
    const keep = bg * (255 - a);
    // Same rounding as writing the composite into a Uint8ClampedArray.
    const r = Math.round((data[i]! * a + keep) / 255);
    const g = Math.round((data[i + 1]! * a + keep) / 255);
    const b = Math.round((data[i + 2]! * a + keep) / 255);
    out[p] = luma(r, g, b);
  }
  return out;
}

function renderLuma(render: RenderedSvg, bg: Background, out = new Uint8Array(render.width * render.height), offset = 0): Uint8Array {
  const p = render.premultiplied;
  const end = offset + render.width * render.height;
  for (let q = offset, i = 0; q < end; q++, i += 4) {
    const under = bg === 255 ? 255 - p[i + 3]! : 0;
    out[q] = luma(Math.min(255, p[i]! + under), Math.min(255, p[i + 1]! + under), Math.min(255, p[i + 2]! + under));
  }
  return out;
}

interface Plane {
  width: number;
  height: number;
  values: ArrayLike<number>;
}

/** Symmetric (edge-repeating) index, as MATLAB's padarray 'symmetric'. */
function mirror(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/**
 * ssim.js "original" downsampling: imfilter(ones(f)/f², 'symmetric', 'same') then every f-th
 * row and column from 0. Each kept sample is the mean of the f x f window starting floor(f/2)
 * pixels up-left of it, so only those windows are summed.
 */
function downsample(plane: Plane, f: number): Plane {
  const { width, height, values } = plane;
  const half = Math.floor(f / 2);
  const outW = Math.ceil(width / f);
  const outH = Math.ceil(height / f);
  const out = new Float64Array(outW * outH);
  const cols = new Int32Array(f);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let k = 0; k < f; k++) cols[k] = mirror(ox * f - half + k, width);
      let sum = 0;
      for (let k = 0; k < f; k++) {
        const row = mirror(oy * f - half + k, height) * width;
        for (let c = 0; c < f; c++) sum += values[row + cols[c]!]!;
      }
      out[oy * outW + ox] = sum / (f * f);
    }
  }
  return { width: outW, height: outH, values: out };
}

const WINDOW = 11;

/**
 * The plane as ssim.js sees it: integer grey levels (a downsampled value rounds half up, as
 * ssim.js's integer luma of a grey pixel gives back), and at least 11x11: a tiny image is enlarged
 * by pixel replication, which keeps its values.
 */
function toIntegerPlane(plane: Plane): { width: number; height: number; data: Int32Array } {
  const k = Math.max(1, Math.ceil(WINDOW / Math.min(plane.width, plane.height)));
  const width = plane.width * k;
  const height = plane.height * k;
  const data = new Int32Array(width * height);
  for (let y = 0, i = 0; y < height; y++) {
    const src = Math.floor(y / k) * plane.width;
    for (let x = 0; x < width; x++, i++) data[i] = Math.floor(plane.values[src + Math.floor(x / k)]! + 0.5);
  }
  return { width, height, data };
}

/** Integral image of f(p) over a plane: (w+1) x (h+1), row/column 0 zero. Exact (integers < 2^53). */
function integral(width: number, height: number, value: (p: number) => number): Float64Array {
  const W = width + 1;
  const out = new Float64Array(W * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += value(y * width + x);
      out[(y + 1) * W + x + 1] = out[y * W + x + 1]! + row;
    }
  }
  return out;
}

/**
 * ssim.js's Weber SSIM (its default), computed the same way to the last bit: 11x11 box windows
 * from summed-area tables, variances and covariance scaled by 1024 and truncated to integers as
 * its Int32Arrays do, the same formula, and the same running mean. ssim.js builds those tables
 * with a closure call and an object per pixel (~14 ms for 256x256); this is ~2 ms.
 * test/ssim.test.ts checks equality with ssim.js itself.
 */
export function weberSsim(a: { width: number; height: number; data: Int32Array }, b: { data: Int32Array }): number {
  const { width, height } = a;
  const A = a.data;
  const B = b.data;
  const W = width + 1;
  const sa = integral(width, height, (p) => A[p]!);
  const sb = integral(width, height, (p) => B[p]!);
  const saa = integral(width, height, (p) => A[p]! * A[p]!);
  const sbb = integral(width, height, (p) => B[p]! * B[p]!);
  const sab = integral(width, height, (p) => A[p]! * B[p]!);
  const n = WINDOW * WINDOW;
  const L = 255;
  const c1 = 0.01 * L * (0.01 * L);
  const c2 = 0.03 * L * (0.03 * L);
  const box = (t: Float64Array, x: number, y: number) =>
    t[y * W + x]! - t[y * W + x + WINDOW]! - t[(y + WINDOW) * W + x]! + t[(y + WINDOW) * W + x + WINDOW]!;
  const ww = width - WINDOW + 1;
  const wh = height - WINDOW + 1;
  let mssim = 0;
  let i = 0;
  for (let y = 0; y < wh; y++) {
    for (let x = 0; x < ww; x++, i++) {
      const s1 = box(sa, x, y);
      const s2 = box(sb, x, y);
      const mean1 = s1 / n;
      const mean2 = s2 / n;
      // Stored in Int32Arrays by ssim.js: `| 0` is the same ToInt32 truncation.
      const v1 = (1024 * (box(saa, x, y) / n - mean1 * mean1)) | 0;
      const v2 = (1024 * (box(sbb, x, y) / n - mean2 * mean2)) | 0;
      const cv = (1024 * (box(sab, x, y) / n - (s1 / n) * (s2 / n))) | 0;
      const meanx = s1 / n;
      const meany = s2 / n;
      const na = 2 * meanx * meany + c1;
      const nb = 2 * (cv / 1024) + c2;
      const da = meanx * meanx + meany * meany + c1;
      const db = v1 / 1024 + v2 / 1024 + c2;
      const value = (na * nb) / da / db;
      mssim = i === 0 ? value : mssim + (value - mssim) / (i + 1);
    }
  }
  return mssim;
}

/**
 * The downsampling factor ssim.js's "original" mode applies before comparing (1 = none): SSIM sees
 * the image at about 256 pixels on its shorter side, whatever its size.
 */
export function ssimDownsampleFactor(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 256));
}

/** The source's side of the comparison depends only on the source: computed once per source and background. */
const sourcePlanes = new WeakMap<RgbaImage, Map<Background, { width: number; height: number; data: Int32Array }>>();

function sourcePlane(source: RgbaImage, bg: Background, f: number) {
  let bySource = sourcePlanes.get(source);
  if (!bySource) sourcePlanes.set(source, (bySource = new Map()));
  let plane = bySource.get(bg);
  if (!plane) {
    let a: Plane = { width: source.width, height: source.height, values: sourceLuma(source, bg) };
    if (f > 1) a = downsample(a, f);
    bySource.set(bg, (plane = toIntegerPlane(a)));
  }
  return plane;
}

function ssimOver(source: RgbaImage, renderedLuma: Uint8Array, bg: Background): number {
  const { width, height } = source;
  const f = ssimDownsampleFactor(width, height);
  const a = sourcePlane(source, bg, f);
  let b: Plane = { width, height, values: renderedLuma };
  if (f > 1) b = downsample(b, f);
  const bi = toIntegerPlane(b);
  const mssim = weberSsim(a, bi);
  // A constant image against itself gives NaN in some SSIM variants; identical planes are a perfect match.
  if (Number.isNaN(mssim)) return a.data.every((v, i) => v === bi.data[i]) ? 1 : 0;
  return Math.max(0, Math.min(1, mssim));
}

export function measureSsim(source: RgbaImage & { hasTransparency: boolean }, render: RenderedSvg): number {
  const white = ssimOver(source, renderLuma(render, 255), 255);
  return source.hasTransparency ? Math.min(white, ssimOver(source, renderLuma(render, 0), 0)) : white;
}

/** measureSsim of `svg` rendered at the source's size, rendered band by band (see renderSvgBands). */
export async function measureSvgSsim(source: RgbaImage & { hasTransparency: boolean }, svg: string): Promise<number> {
  const { width, height } = source;
  const white = new Uint8Array(width * height);
  const black = source.hasTransparency ? new Uint8Array(width * height) : undefined;
  await renderSvgBands(svg, width, height, (band, y0) => {
    renderLuma(band, 255, white, y0 * width);
    if (black) renderLuma(band, 0, black, y0 * width);
  });
  const overWhite = ssimOver(source, white, 255);
  return black ? Math.min(overWhite, ssimOver(source, black, 0)) : overWhite;
}
