/**
 * The classifier's colour-family features on drawn images: one colour family on a background is
 * tier 1 (logos, pictograms), several families are tier 2 (clip art), whatever the anti-aliasing.
 */
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../src/engines/engine.js';
import { classify, colourFamilies, extractFeatures } from '../src/pipeline/classify.js';

/** Renders SVG shapes (anti-aliased) at 256x256 over an optional background colour. */
function draw(shapes: string, background?: string): RgbaImage {
  const bg = background ? `<rect width="256" height="256" fill="${background}"/>` : '';
  const r = new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">${bg}${shapes}</svg>`).render();
  // Un-premultiply: resvg's pixels are premultiplied.
  const px = new Uint8Array(r.pixels);
  for (let i = 0; i < px.length; i += 4) {
    const a = px[i + 3]!;
    if (a > 0 && a < 255) for (let c = 0; c < 3; c++) px[i + c] = Math.min(255, Math.round((px[i + c]! * 255) / a));
  }
  return { width: r.width, height: r.height, data: px };
}

const logo = '<circle cx="100" cy="110" r="70" fill="#1d4ed8"/><rect x="150" y="40" width="70" height="170" rx="20" fill="#1d4ed8"/>';

describe('colour families', () => {
  it('a one-colour logo on white is one family, its anti-aliased fringe none', () => {
    const f = colourFamilies(draw(logo, '#ffffff'), 1);
    expect(f.families).toBe(1);
    expect(f.secondShare).toBeLessThan(0.01);
  });

  it('shades of one hue are one family; distinct hues are not', () => {
    const shades = '<circle cx="90" cy="128" r="60" fill="#4caf50"/><circle cx="170" cy="128" r="60" fill="#66c26a"/>';
    expect(colourFamilies(draw(shades, '#ffffff'), 1).families).toBe(1);
    const hues = '<circle cx="90" cy="128" r="60" fill="#1e88e5"/><circle cx="170" cy="128" r="60" fill="#fdd835"/>';
    const f = colourFamilies(draw(hues, '#ffffff'), 1);
    expect(f.families).toBe(2);
    expect(f.secondShare).toBeGreaterThan(0.3);
  });

  it('a transparent background is the background, not a colour', () => {
    expect(colourFamilies(draw(logo), 1)).toEqual({ families: 1, secondShare: 0 });
  });

  it('a small accent in a second colour counts once it is more than a fringe', () => {
    const accent = `${logo}<circle cx="100" cy="110" r="25" fill="#e53935"/>`;
    const f = colourFamilies(draw(accent, '#ffffff'), 1);
    expect(f.families).toBe(2);
    expect(f.secondShare).toBeGreaterThan(0.06);
  });
});

describe('tiers from the pixels', () => {
  it('one colour family is tier 1, several flat ones tier 2, a gradient tier 3', () => {
    expect(classify(draw(logo, '#ffffff')).tier).toBe(1);
    expect(classify(draw(logo)).tier).toBe(1);
    const clipArt = '<circle cx="128" cy="128" r="100" fill="#1e88e5"/><path d="M60 100h80v60H60z" fill="#fdd835"/><circle cx="170" cy="90" r="20" fill="#43a047"/>';
    expect(classify(draw(clipArt, '#ffffff')).tier).toBe(2);
    const gradient = '<defs><linearGradient id="g"><stop offset="0" stop-color="#102030"/><stop offset="1" stop-color="#f0c080"/></linearGradient></defs><rect width="256" height="256" fill="url(#g)"/>';
    const features = extractFeatures(draw(gradient));
    expect(classify(draw(gradient)).tier).toBe(3);
    expect(features.c95).toBeGreaterThan(12);
  });
});
