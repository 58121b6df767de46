/**
 * SSIM between a source image and the render of its SVG, both composited over the same background.
 * The score is measured at the source's own size; where the source has transparency it is measured
 * over white and over black and the lower one is reported, so a trace that fills transparent areas
 * with a colour cannot hide behind a matching background.
 *
 * The metric is ssim.js's default (Wang et al.'s "original" downsampling, then Weber's fast SSIM).
 * ssim.js downsamples with a generic f x f convolution over every pixel, which costs seconds on a
 * 24-megapixel image; the same box average is computed here only where it is sampled, then ssim.js
 * runs on the downsampled planes. The numbers are ssim.js's own (see test/honesty.test.ts).
 */
import { ssim } from 'ssim.js';
import type { RgbaImage } from '../engines/engine.js';
import type { RenderedSvg } from './rasterize.js';

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

function renderLuma(render: RenderedSvg, bg: Background): Uint8Array {
  const p = render.premultiplied;
  const out = new Uint8Array(render.width * render.height);
  for (let q = 0, i = 0; q < out.length; q++, i += 4) {
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
 * As ImageData for ssim.js: grey pixels whose integer luma is the (rounded) plane value, which is
 * exactly what ssim.js's Weber SSIM rounds a downsampled value to.
 */
function toImageData(plane: Plane): { width: number; height: number; data: Uint8ClampedArray } {
  // SSIM needs an 11x11 window: a tiny image is enlarged by pixel replication, which keeps its values.
  const k = Math.max(1, Math.ceil(WINDOW / Math.min(plane.width, plane.height)));
  const width = plane.width * k;
  const height = plane.height * k;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / k) * plane.width;
    for (let x = 0; x < width; x++) {
      const v = Math.floor(plane.values[src + Math.floor(x / k)]! + 0.5);
      const i = (y * width + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = v;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/**
 * The downsampling factor ssim.js's "original" mode applies before comparing (1 = none): SSIM sees
 * the image at about 256 pixels on its shorter side, whatever its size.
 */
export function ssimDownsampleFactor(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 256));
}

function ssimOver(source: RgbaImage, render: RenderedSvg, bg: Background): number {
  const { width, height } = source;
  let a: Plane = { width, height, values: sourceLuma(source, bg) };
  let b: Plane = { width, height, values: renderLuma(render, bg) };
  const f = ssimDownsampleFactor(width, height);
  if (f > 1) {
    a = downsample(a, f);
    b = downsample(b, f);
  }
  const { mssim } = ssim(toImageData(a), toImageData(b), { downsample: false });
  // A constant image against itself gives NaN in some SSIM variants; identical planes are a perfect match.
  if (Number.isNaN(mssim)) return Array.from(a.values).every((v, i) => v === b.values[i]) ? 1 : 0;
  return Math.max(0, Math.min(1, mssim));
}

export function measureSsim(source: RgbaImage & { hasTransparency: boolean }, render: RenderedSvg): number {
  const white = ssimOver(source, render, 255);
  return source.hasTransparency ? Math.min(white, ssimOver(source, render, 0)) : white;
}
