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

/** Luma of `count` source pixels from pixel `first`, composited over `bg`, into `out` from `at`. */
function sourceLumaInto(data: Uint8Array | Uint8ClampedArray, first: number, count: number, bg: Background, out: Uint8Array, at = 0): void {
  for (let q = at, i = first * 4, end = at + count; q < end; q++, i += 4) {
    const a = data[i + 3]!;
    const keep = bg * (255 - a);
    // Same rounding as writing the composite into a Uint8ClampedArray.
    const r = Math.round((data[i]! * a + keep) / 255);
    const g = Math.round((data[i + 1]! * a + keep) / 255);
    const b = Math.round((data[i + 2]! * a + keep) / 255);
    out[q] = luma(r, g, b);
  }
}

/** Luma of `count` premultiplied rendered pixels from pixel `first`, over `bg`, into `out` from `at`. */
function renderLumaInto(p: Uint8Array | Uint8ClampedArray, first: number, count: number, bg: Background, out: Uint8Array, at = 0): void {
  for (let q = at, i = first * 4, end = at + count; q < end; q++, i += 4) {
    const under = bg === 255 ? 255 - p[i + 3]! : 0;
    out[q] = luma(Math.min(255, p[i]! + under), Math.min(255, p[i + 1]! + under), Math.min(255, p[i + 2]! + under));
  }
}

function sourceLuma(image: RgbaImage, bg: Background): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  sourceLumaInto(image.data, 0, out.length, bg, out);
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
 * pixels up-left of it, so only those windows are summed, and they are summed one source row at
 * a time as rows arrive: a large plane is never held whole (a 40-megapixel luma plane is 40 MB,
 * its downsampled plane under 1 MB). A window sum is a sum of integers below 2^53, exact in any
 * order, so the means are ssim.js's to the last bit.
 */
class RowDownsampler {
  readonly outW: number;
  readonly outH: number;
  private readonly sums: Float64Array;
  /** Source column of each (output column, window column), mirrored at the edges. */
  private readonly cols: Int32Array;
  /** Output rows whose window holds source row y (with multiplicity): rowTargets[rowStart[y]..rowStart[y+1]). */
  private readonly rowStart: Int32Array;
  private readonly rowTargets: Int32Array;
  private readonly colSums: Float64Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly f: number,
  ) {
    const half = Math.floor(f / 2);
    this.outW = Math.ceil(width / f);
    this.outH = Math.ceil(height / f);
    this.sums = new Float64Array(this.outW * this.outH);
    this.colSums = new Float64Array(this.outW);
    this.cols = new Int32Array(this.outW * f);
    for (let ox = 0; ox < this.outW; ox++) for (let c = 0; c < f; c++) this.cols[ox * f + c] = mirror(ox * f - half + c, width);
    const counts = new Int32Array(height + 1);
    for (let oy = 0; oy < this.outH; oy++) for (let k = 0; k < f; k++) counts[mirror(oy * f - half + k, height) + 1]!++;
    for (let y = 0; y < height; y++) counts[y + 1]! += counts[y]!;
    this.rowStart = counts.slice();
    this.rowTargets = new Int32Array(counts[height]!);
    for (let oy = 0; oy < this.outH; oy++) for (let k = 0; k < f; k++) this.rowTargets[counts[mirror(oy * f - half + k, height)]!++] = oy;
  }

  /** Adds source row `y` (its `width` values). */
  addRow(y: number, row: Uint8Array): void {
    const { f, outW, cols, colSums, sums } = this;
    for (let ox = 0, j = 0; ox < outW; ox++) {
      let sum = 0;
      for (let c = 0; c < f; c++, j++) sum += row[cols[j]!]!;
      colSums[ox] = sum;
    }
    for (let t = this.rowStart[y]!, end = this.rowStart[y + 1]!; t < end; t++) {
      const base = this.rowTargets[t]! * outW;
      for (let ox = 0; ox < outW; ox++) sums[base + ox]! += colSums[ox]!;
    }
  }

  plane(): Plane {
    const n = this.f * this.f;
    const values = new Float64Array(this.sums.length);
    for (let i = 0; i < values.length; i++) values[i] = this.sums[i]! / n;
    return { width: this.outW, height: this.outH, values };
  }
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
    const { width, height, data } = source;
    let a: Plane;
    if (f > 1) {
      const rows = new RowDownsampler(width, height, f);
      const row = new Uint8Array(width);
      for (let y = 0; y < height; y++) {
        sourceLumaInto(data, y * width, width, bg, row);
        rows.addRow(y, row);
      }
      a = rows.plane();
    } else {
      a = { width, height, values: sourceLuma(source, bg) };
    }
    bySource.set(bg, (plane = toIntegerPlane(a)));
  }
  return plane;
}

/** `rendered` is the render's luma plane, already downsampled by ssimDownsampleFactor. */
function ssimOver(source: RgbaImage, rendered: Plane, bg: Background): number {
  const a = sourcePlane(source, bg, ssimDownsampleFactor(source.width, source.height));
  const bi = toIntegerPlane(rendered);
  const mssim = weberSsim(a, bi);
  // A constant image against itself gives NaN in some SSIM variants; identical planes are a perfect match.
  if (Number.isNaN(mssim)) return a.data.every((v, i) => v === bi.data[i]) ? 1 : 0;
  return Math.max(0, Math.min(1, mssim));
}

/**
 * The render's luma over white (and over black where the source has transparency), collected
 * band by band: downsampled row by row as the bands arrive, or whole when there is nothing to
 * downsample (a short side under 384 pixels, a few megapixels at most).
 */
class RenderedPlanes {
  private readonly f: number;
  private readonly backgrounds: Background[];
  private readonly rows: RowDownsampler[] = [];
  private readonly whole: Uint8Array[] = [];
  private readonly row: Uint8Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    transparent: boolean,
  ) {
    this.f = ssimDownsampleFactor(width, height);
    this.backgrounds = transparent ? [255, 0] : [255];
    this.row = new Uint8Array(this.f > 1 ? width : 0);
    for (const _ of this.backgrounds) {
      if (this.f > 1) this.rows.push(new RowDownsampler(width, height, this.f));
      else this.whole.push(new Uint8Array(width * height));
    }
  }

  /** Rows y0.. of the render (premultiplied RGBA, the full width). */
  add(band: RenderedSvg, y0: number): void {
    const { width, f, row } = this;
    this.backgrounds.forEach((bg, i) => {
      if (f === 1) {
        renderLumaInto(band.premultiplied, 0, band.width * band.height, bg, this.whole[i]!, y0 * width);
        return;
      }
      for (let r = 0; r < band.height; r++) {
        renderLumaInto(band.premultiplied, r * width, width, bg, row);
        this.rows[i]!.addRow(y0 + r, row);
      }
    });
  }

  /** The lower score of the backgrounds. */
  score(source: RgbaImage): number {
    return Math.min(
      ...this.backgrounds.map((bg, i) =>
        ssimOver(source, this.f > 1 ? this.rows[i]!.plane() : { width: this.width, height: this.height, values: this.whole[i]! }, bg),
      ),
    );
  }
}

export function measureSsim(source: RgbaImage & { hasTransparency: boolean }, render: RenderedSvg): number {
  const planes = new RenderedPlanes(source.width, source.height, source.hasTransparency);
  planes.add(render, 0);
  return planes.score(source);
}

/** measureSsim of `svg` rendered at the source's size, rendered band by band (see renderSvgBands). */
export async function measureSvgSsim(source: RgbaImage & { hasTransparency: boolean }, svg: string): Promise<number> {
  const planes = new RenderedPlanes(source.width, source.height, source.hasTransparency);
  await renderSvgBands(svg, source.width, source.height, (band, y0) => planes.add(band, y0));
  return planes.score(source);
}
