/** The seam score, exactly as issue 9 defines it, on hand-made images where the answer is known. */
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../src/engines/engine.js';
import type { RenderedSvg } from '../src/quality/rasterize.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { seamScore } from '../src/quality/seam.js';

const W = 40;
const H = 20;

/** An opaque grey image, luma given per pixel. */
function source(luma: (x: number, y: number) => number): RgbaImage {
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = luma(x, y);
    data.set([v, v, v, 255], (y * W + x) * 4);
  }
  return { width: W, height: H, data };
}

/** An opaque render (premultiplied = straight when opaque). */
function render(luma: (x: number, y: number) => number): RenderedSvg {
  const s = source(luma);
  return { width: W, height: H, premultiplied: s.data };
}

describe('seam score', () => {
  const smooth = (x: number) => 100 + x; // steps of 1 per column: smooth everywhere

  it('is 0 when the render equals the source', () => {
    expect(seamScore(source(smooth), render(smooth)).score).toBe(0);
  });

  it('is 1 for a full-height vertical step of more than 6 where the source is smooth', () => {
    const r = seamScore(source(smooth), render((x) => (x < 20 ? 100 : 110)));
    expect(r.score).toBe(1);
    expect(r.at).toEqual({ axis: 'column', index: 20 });
  });

  it('counts the fraction of the line: a step over half the width of one row scores 0.5', () => {
    const r = seamScore(source(() => 90), render((x, y) => (y >= 10 && x < 20 ? 120 : 90)));
    expect(r.score).toBe(0.5);
    expect(r.at).toEqual({ axis: 'row', index: 10 });
  });

  it('ignores steps of 6 or less, and steps where the source has an edge too (or next to it)', () => {
    expect(seamScore(source(smooth), render((x) => (x < 20 ? 100 : 106))).score).toBe(0);
    const edge = (x: number) => (x < 20 ? 50 : 200);
    expect(seamScore(source(edge), render(edge)).score).toBe(0);
    // The source steps by 3 one column before the render's step: not smooth beside the boundary.
    expect(seamScore(source((x) => (x < 19 ? 100 : 103)), render((x) => (x < 20 ? 100 : 110))).score).toBe(0);
  });

  it('looks at boundaries from 3 to size-3 only (the frame is not a seam)', () => {
    expect(seamScore(source(() => 90), render((x, y) => (y < 2 ? 200 : 90))).score).toBe(0);
    expect(seamScore(source(() => 90), render((x, y) => (y < 3 ? 200 : 90))).score).toBe(1);
  });

  it('composites over white: an empty SVG over a transparent source is no seam; a tiled one is', () => {
    const transparent: RgbaImage = { width: W, height: H, data: new Uint8Array(W * H * 4) };
    const empty = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"></svg>`;
    expect(seamScore(transparent, renderSvg(empty, W, H)).score).toBe(0);
    const tiled = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><path d="M20 0h20v20h-20z" fill="#888"/></svg>`;
    expect(seamScore(transparent, renderSvg(tiled, W, H)).score).toBe(1);
  });
});
