/**
 * SSIM between a source image and the render of its SVG, both composited over the same background.
 * The score is measured at the source's own size; where the source has transparency it is measured
 * over white and over black and the lower one is reported, so a trace that fills transparent areas
 * with a colour cannot hide behind a matching background.
 */
import { ssim } from 'ssim.js';
import type { RgbaImage } from '../engines/engine.js';
import type { RenderedSvg } from './rasterize.js';

type Background = 0 | 255;

interface Plane {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

function compositeSource(image: RgbaImage, bg: Background): Plane {
  const { width, height, data } = image;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < out.length; i += 4) {
    const a = data[i + 3]!;
    const keep = 255 - a;
    out[i] = (data[i]! * a + bg * keep + 127) / 255;
    out[i + 1] = (data[i + 1]! * a + bg * keep + 127) / 255;
    out[i + 2] = (data[i + 2]! * a + bg * keep + 127) / 255;
    out[i + 3] = 255;
  }
  return { width, height, data: out };
}

function compositeRender(render: RenderedSvg, bg: Background): Plane {
  const { width, height, premultiplied: p } = render;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < out.length; i += 4) {
    const under = bg === 255 ? 255 - p[i + 3]! : 0;
    out[i] = p[i]! + under;
    out[i + 1] = p[i + 1]! + under;
    out[i + 2] = p[i + 2]! + under;
    out[i + 3] = 255;
  }
  return { width, height, data: out };
}

const WINDOW = 11;

/** SSIM needs an 11x11 window: a tiny image is enlarged by pixel replication, which keeps its values. */
function atLeastWindow(plane: Plane): Plane {
  const k = Math.ceil(WINDOW / Math.min(plane.width, plane.height));
  if (k <= 1) return plane;
  const width = plane.width * k;
  const height = plane.height * k;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = ((Math.floor(y / k) * plane.width) + Math.floor(x / k)) * 4;
      data.set(plane.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

function ssimOver(source: RgbaImage, render: RenderedSvg, bg: Background): number {
  const a = atLeastWindow(compositeSource(source, bg));
  const b = atLeastWindow(compositeRender(render, bg));
  const { mssim } = ssim(a, b);
  // A constant image against itself gives NaN in some SSIM variants; identical planes are a perfect match.
  if (Number.isNaN(mssim)) return a.data.every((v, i) => v === b.data[i]) ? 1 : 0;
  return Math.max(0, Math.min(1, mssim));
}

export function measureSsim(source: RgbaImage & { hasTransparency: boolean }, render: RenderedSvg): number {
  const white = ssimOver(source, render, 255);
  return source.hasTransparency ? Math.min(white, ssimOver(source, render, 0)) : white;
}
