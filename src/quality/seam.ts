/**
 * The seam score: the worst straight line of steps an SVG draws where its source has none.
 *
 * Both images are composited over white and reduced to luma (0.299 R + 0.587 G + 0.114 B, 0-255).
 * For every horizontal boundary between rows y-1 and y (y from 3 to height-3) we count the
 * columns x where the render steps by more than 6 while the source is smooth across that boundary
 * and the ones on either side (all three source differences under 3), and divide by the width.
 * Vertical boundaries between columns likewise, divided by the height. The score is the largest
 * of those fractions. Natural contours never line up with one row or column; a tile edge does,
 * so tiles traced independently score high (up to ~0.9) and whole-image traces ~0.01.
 */
import type { RgbaImage } from '../engines/engine.js';
import type { RenderedSvg } from './rasterize.js';

const RENDER_STEP = 6;
const SOURCE_SMOOTH = 3;

/** Luma of straight RGBA pixels over white. */
export function sourceLumaOverWhite(image: RgbaImage): Float32Array {
  const { data } = image;
  const out = new Float32Array(image.width * image.height);
  for (let p = 0, i = 0; p < out.length; p++, i += 4) {
    const a = data[i + 3]! / 255;
    const under = 255 * (1 - a);
    out[p] = 0.299 * (data[i]! * a + under) + 0.587 * (data[i + 1]! * a + under) + 0.114 * (data[i + 2]! * a + under);
  }
  return out;
}

/** Luma of a premultiplied render over white. */
export function renderLumaOverWhite(render: RenderedSvg): Float32Array {
  const p = render.premultiplied;
  const out = new Float32Array(render.width * render.height);
  for (let q = 0, i = 0; q < out.length; q++, i += 4) {
    const under = 255 - p[i + 3]!;
    out[q] = 0.299 * (p[i]! + under) + 0.587 * (p[i + 1]! + under) + 0.114 * (p[i + 2]! + under);
  }
  return out;
}

export interface SeamReport {
  /** The largest fraction over all row and column boundaries. */
  score: number;
  /** Where it was found: 'row' y means the boundary between rows y-1 and y; 'column' likewise. */
  at: { axis: 'row' | 'column'; index: number };
}

/** Seam score of two luma planes of the same size (source, render). */
export function seamScoreOfLuma(src: Float32Array, out: Float32Array, width: number, height: number): SeamReport {
  let best: SeamReport = { score: 0, at: { axis: 'row', index: 0 } };
  const smooth = (a: number, b: number) => Math.abs(src[a]! - src[b]!) < SOURCE_SMOOTH;
  // Horizontal boundaries: between rows y-1 and y.
  for (let y = 3; y <= height - 3; y++) {
    let count = 0;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const up = i - width;
      if (Math.abs(out[i]! - out[up]!) > RENDER_STEP && smooth(i, up) && smooth(up, up - width) && smooth(i + width, i)) count++;
    }
    const f = count / width;
    if (f > best.score) best = { score: f, at: { axis: 'row', index: y } };
  }
  // Vertical boundaries: between columns x-1 and x.
  for (let x = 3; x <= width - 3; x++) {
    let count = 0;
    for (let y = 0; y < height; y++) {
      const i = y * width + x;
      if (Math.abs(out[i]! - out[i - 1]!) > RENDER_STEP && smooth(i, i - 1) && smooth(i - 1, i - 2) && smooth(i + 1, i)) count++;
    }
    const f = count / height;
    if (f > best.score) best = { score: f, at: { axis: 'column', index: x } };
  }
  return best;
}

/** Seam score of a render against its source (same size). */
export function seamScore(source: RgbaImage, render: RenderedSvg): SeamReport {
  if (render.width !== source.width || render.height !== source.height) {
    throw new Error(`Seam score needs the render at the source's size (${source.width}x${source.height}), got ${render.width}x${render.height}`);
  }
  return seamScoreOfLuma(sourceLumaOverWhite(source), renderLumaOverWhite(render), source.width, source.height);
}
