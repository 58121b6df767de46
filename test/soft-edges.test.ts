/**
 * Glows (src/soft-edges/): a shape with a faint blurred glow around it keeps the glow, drawn as
 * blurred level areas under the traced drawing, smooth where the source is smooth; shapes with
 * hard (anti-aliased) edges and translucent overlays are left to the tracers.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../src/engines/engine.js';
import { tierDeadlines } from '../src/config/config.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { parseOptions } from '../src/pipeline/options.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { seamScore } from '../src/quality/seam.js';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
import { fitSoftEdge } from '../src/soft-edges/fit.js';
import { withGlow } from '../src/soft-edges/layer.js';
import { testConfig } from './helpers/service.js';

const S = 256;
const config = testConfig();

/** A green rounded body (alpha 255, anti-aliased) on nothing; `glow` adds a faint blurred halo. */
async function body({ glow, shift = 0, strength = 0.12 }: { glow: boolean; shift?: number; strength?: number }): Promise<RgbaImage> {
  const inside = (x: number, y: number) => {
    // A capsule: the distance to a vertical segment, under 50 px.
    const dy = Math.max(0, Math.abs(y - 128) - 50);
    return 50 - Math.hypot(x - 128, dy);
  };
  const data = new Uint8Array(S * S * 4);
  const shape = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const p = y * S + x;
      const cover = Math.min(1, Math.max(0, inside(x + 0.5, y + 0.5) + 0.5));
      shape[p] = Math.round(cover * 255);
      data.set([60 + Math.round(x / 4), 170, 70, 0], p * 4);
    }
  }
  // The halo is the shape's blur, moved `shift` px to the left: a shadow cast to one side.
  const moved = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x + shift < S; x++) moved[y * S + x] = shape[y * S + x + shift]!;
  const halo = glow
    ? new Uint8Array(await sharp(moved, { raw: { width: S, height: S, channels: 1 } }).blur(10).extractChannel(0).raw().toBuffer())
    : new Uint8Array(S * S);
  for (let p = 0; p < S * S; p++) {
    const a = shape[p]! / 255;
    const g = (strength * halo[p]!) / 255;
    data[p * 4 + 3] = Math.round((a + g * (1 - a)) * 255);
  }
  return { width: S, height: S, data };
}

async function convert(img: RgbaImage, options: Record<string, string> = {}) {
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).png().toBuffer();
  return convertImage(png, parseOptions({ tier: '3', ...options }), limitsFromConfig(config), tierDeadlines(config));
}

/** Alpha along row `y` from x0 to x1, of the source and of the SVG's render. */
function alphaRow(img: RgbaImage, svg: string, y: number, x0: number, x1: number): { src: number[]; out: number[] } {
  const r = renderSvg(svg, img.width, img.height).premultiplied;
  const src: number[] = [];
  const out: number[] = [];
  for (let x = x0; x < x1; x++) {
    src.push(img.data[(y * img.width + x) * 4 + 3]!);
    out.push(r[(y * img.width + x) * 4 + 3]!);
  }
  return { src, out };
}

describe('the glow model', () => {
  it('finds a faint blurred halo and takes it out of what is traced', async () => {
    const img = await body({ glow: true });
    const fit = await fitSoftEdge(img);
    expect(fit).not.toBeNull();
    expect(fit!.levels.length).toBeGreaterThan(2);
    // Opacities rise level by level to the halo's strongest alpha (0.12 of full) and no further.
    for (const level of fit!.levels) expect(level.opacity).toBeGreaterThan(0), expect(level.opacity).toBeLessThan(0.2);
    // Left of the body, where only the halo is, nothing is left to trace.
    let left = 0;
    for (let x = 40; x < 74; x++) left += fit!.content.data[(128 * S + x) * 4 + 3]!;
    expect(left).toBe(0);
  });

  it('leaves hard anti-aliased edges alone', async () => {
    expect(await fitSoftEdge(await body({ glow: false }))).toBeNull();
  });

  it('leaves a translucent overlay (not a blur of the shape) alone', async () => {
    const img = await body({ glow: false });
    // A 40 % square beside the body: alpha outside the shape that no blur of it explains.
    for (let y = 20; y < 60; y++) for (let x = 190; x < 240; x++) img.data[(y * S + x) * 4 + 3] = 102;
    expect(await fitSoftEdge(img)).toBeNull();
  });
});

describe('a glow through the pipeline', () => {
  it('is drawn, blurred, and follows the source alpha smoothly', async () => {
    const img = await body({ glow: true });
    const r = await convert(img);
    expect(r.svg).toMatch(/<feGaussianBlur stdDeviation="[\d.]+"\/>/);
    expect(() => assertSafeSvg(r.svg)).not.toThrow();
    // Across the halo left of the body (x 40-76 at mid height), the drawn alpha tracks the source's.
    const { src, out } = alphaRow(img, r.svg, 128, 40, 76);
    const error = src.reduce((sum, a, i) => sum + Math.abs(a - out[i]!), 0) / src.length;
    expect(error).toBeLessThan(3);
    // Visible at all: the faint part (alpha < 16) the tracers used to drop is there too.
    expect(out.filter((a, i) => src[i]! > 4 && src[i]! < 16 && a > 0).length).toBeGreaterThan(5);
    expect(r.ssim).toBeGreaterThanOrEqual(0.9);
    expect(seamScore(img, renderSvg(r.svg, S, S)).score).toBeLessThanOrEqual(0.15);
  });

  it('a shadow cast to one side does not bleed out of the hard edge on the other', async () => {
    // Strong on the left (alpha up to ~0.3 of full), faint beside the right edge (x 178 on: 4, 3, 2, 1).
    const img = await body({ glow: true, shift: 12, strength: 0.3 });
    const r = await convert(img);
    expect(r.svg).toMatch(/feGaussianBlur/);
    const { src, out } = alphaRow(img, r.svg, 128, 179, 192);
    // The strongest level under the whole body, blurred, drew 21 at x 179 where the source has 4.
    for (const [i, a] of out.entries()) expect(a, `x ${180 + i}: source ${src[i]}`).toBeLessThanOrEqual(src[i]! + 8);
  });

  it('is not drawn for gradients=off (flat fills only), a palette or draw_style=stroke', async () => {
    const img = await body({ glow: true });
    const cases: Record<string, string>[] = [{ gradients: 'off' }, { palette: '#3caa46,#50aa46' }, { draw_style: 'stroke' }];
    for (const options of cases) {
      expect((await convert(img, options)).svg, JSON.stringify(options)).not.toMatch(/filter/);
    }
  });

  it('a body without a glow gets no blur', async () => {
    const r = await convert(await body({ glow: false }));
    expect(r.svg).not.toMatch(/filter/);
  });
});

describe('the glow layer', () => {
  it('scales its geometry and blur with the integer grid and stays on the allowlist', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4" viewBox="0 0 40 40"><path d="m0 0h40v40z"/></svg>';
    const out = withGlow(svg, { sigma: 1.5, levels: [{ d: 'M1 1h2v2h-2z', colour: '#102030', opacity: 0.05 }] }, 10, 0);
    expect(out).toContain('stdDeviation="15"');
    expect(out).toContain('d="m10 10h20v20h-20z"');
    expect(out.indexOf('filter="url(#sb)"')).toBeLessThan(out.indexOf('m0 0h40v40z'));
    expect(() => assertSafeSvg(out)).not.toThrow();
  });

  it('the allowlist still refuses a filter from outside the document', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4" viewBox="0 0 4 4"><g filter="url(http://evil/f.svg#b)"><path d="M0 0h4v4z"/></g></svg>';
    expect(() => assertSafeSvg(svg)).toThrow(/allowlist/);
  });
});
