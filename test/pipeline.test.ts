/** The pipeline on generated images: classification, determinism, transparency, safe output. */
import { readFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertImage } from '../src/pipeline/convert.js';
import { decodeCost, limitsFromConfig } from '../src/pipeline/limits.js';
import { guardLimits } from '../src/pipeline/guard.js';
import type { ProbeResult } from '../src/pipeline/probe.js';
import { AppError } from '../src/errors/app-error.js';
import { parseOptions } from '../src/pipeline/options.js';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
import { addGapFiller, optimizePathData, optimizeSvg } from '../src/pipeline/optimize.js';
import { scoreSvg } from '../src/pipeline/evaluate.js';
import { VTRACER_CLI_DEFAULTS } from '../src/engines/index.js';
import { vtracerEngine } from '../src/engines/vtracer.js';
import { tierDeadlines } from '../src/config/config.js';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { testConfig } from './helpers/service.js';

const config = testConfig();
const convert = async (file: string, raw: Record<string, string> = {}) =>
  convertImage(await readFile(file), parseOptions(raw), limitsFromConfig(config), tierDeadlines(config));

let fixtures: FixtureIndex;
beforeAll(async () => {
  fixtures = await ensureFixtures();
});

describe('classification from the pixels', () => {
  it.each([
    ['logo-2c', 1],
    // Three distinct hues on white: tier 2 since the classifier counts colour families (see
    // test/classify.test.ts); one-colour logos and pictograms are tier 1.
    ['logo-4c', 2],
    ['transparent-logo', 1],
    ['flat-art', 2],
    ['gradient', 3],
    ['photo-like', 3],
    ['noise', 3],
  ] as const)('%s is tier %i', async (name, tier) => {
    const result = await convert(fixtures[name].file);
    expect(result.tier).toBe(tier);
    expect(result.features.c95).toBeGreaterThan(0);
  });
});

describe('every tier meets its SSIM target on its kind of image', () => {
  /** The README's promise, pinned here rather than read from src/tiers/thresholds.ts. */
  const README_TARGETS = { 1: 0.95, 2: 0.9, 3: 0.85 } as const;
  it.each(['logo-2c', 'logo-4c', 'flat-art', 'gradient'] as const)('%s', async (name) => {
    const result = await convert(fixtures[name].file);
    expect(result.target).toBe(README_TARGETS[result.tier]);
    expect(result.ssim).toBeGreaterThanOrEqual(README_TARGETS[result.tier]);
    expect(result.targetMet).toBe(true);
  });
});

describe('determinism', () => {
  it.each([
    ['potrace', 'logo-4c'],
    ['imagetracer', 'flat-art'],
    ['vtracer', 'photo-like'],
  ] as const)('%s gives the same SVG for the same bytes', async (engine, name) => {
    const a = await convert(fixtures[name].file, { engine });
    const b = await convert(fixtures[name].file, { engine });
    expect(a.engine).toBe(engine);
    expect(b.svg).toBe(a.svg);
    expect(b.ssim).toBe(a.ssim);
  });
});

describe('transparency', () => {
  it('is kept: transparent pixels stay transparent in the SVG', async () => {
    const result = await convert(fixtures['transparent-logo'].file);
    expect(result.transparent).toBe(true);
    const pixels = new Resvg(result.svg).render().pixels;
    expect(pixels[3]).toBe(0); // top-left corner of a transparent background
  });

  it('a fully transparent image gives an empty, valid SVG', async () => {
    const result = await convert(fixtures['fully-transparent'].file);
    expect(result.svg).toMatch(/^<svg[^>]*width="64"/);
    expect(new Resvg(result.svg).render().pixels.every((v) => v === 0)).toBe(true);
    expect(result.ssim).toBe(1);
  });

  it('a 1x1 image gives a 1x1 SVG', async () => {
    const result = await convert(fixtures['one-pixel'].file);
    expect([result.width, result.height]).toEqual([1, 1]);
    expect(result.svg).toMatch(/viewBox="0 0 1 1"/);
  });
});

describe('the output allowlist', () => {
  it.each([
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="x.png"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><path fill="url(http://evil/#a)" d="M0 0"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0" style="fill:red"/></svg>',
    '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0">',
  ])('refuses %s', (svg) => {
    expect(() => assertSafeSvg(svg)).toThrow(/allowlist/);
  });

  it('accepts drawing-only SVG with a local gradient reference', () => {
    expect(() =>
      assertSafeSvg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2" viewBox="0 0 2 2"><defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs><path d="M0 0h2v2z" fill="url(#g)"/></svg>',
      ),
    ).not.toThrow();
  });
});

describe('options', () => {
  it('cannot raise a limit: no option changes the image limits', () => {
    expect(() => parseOptions({ max_megapixels: '1000' })).toThrow(/option name/);
    expect(() => parseOptions({ time_budget_ms: '999999999' })).toThrow(/time_budget_ms/);
  });

  it('max_colors caps the palette of a potrace trace', async () => {
    const few = await convert(fixtures['flat-art'].file, { engine: 'potrace', max_colors: '3' });
    const fills = new Set(few.svg.match(/fill="#[0-9a-f]{6}"/gi));
    expect(fills.size).toBeLessThanOrEqual(3);
  });
});

describe('image limits, from the header', () => {
  const limits = limitsFromConfig(testConfig({ MAX_MEGAPIXELS: 40 }));
  const header = (width: number, height: number, format: ProbeResult['format'] = 'png', frames = 1): ProbeResult =>
    ({ format, width, height, frames, orientation: 1, hasAlpha: true, depth: 'uchar', space: 'srgb' });
  const refusal = (probe: ProbeResult) => {
    try {
      guardLimits(probe, limits);
      return undefined;
    } catch (err) {
      return err as AppError;
    }
  };

  it('a WebP or GIF decode holds two full frames: over half of MAX_MEGAPIXELS it is refused, a PNG or JPEG of its size is not', () => {
    expect(decodeCost(header(6000, 5000, 'png'))).toBe(30_000_000);
    expect(decodeCost(header(6000, 5000, 'jpeg'))).toBe(30_000_000);
    expect(decodeCost(header(6000, 5000, 'webp'))).toBe(60_000_000);
    expect(decodeCost(header(6000, 5000, 'gif', 3))).toBe(60_000_000);
    expect(refusal(header(6000, 5000, 'png'))).toBeUndefined();
    expect(refusal(header(6000, 5000, 'jpeg'))).toBeUndefined();
    const webp = refusal(header(6000, 5000, 'webp'));
    expect(webp?.code).toBe('IMAGE_TOO_LARGE');
    expect(webp?.message).toBe(
      'The WEBP image is 6000x5000 pixels (30.0 megapixels); a WEBP image is decoded whole and then copied, which costs twice its pixels, so the limit for it is 20 megapixels.',
    );
    expect(refusal(header(6000, 5000, 'gif', 3))?.code).toBe('IMAGE_TOO_LARGE');
    expect(refusal(header(5000, 4000, 'webp'))).toBeUndefined();
    expect(refusal(header(5000, 4001, 'gif'))?.code).toBe('IMAGE_TOO_LARGE');
  });

  it('a still image over MAX_MEGAPIXELS or a side over MAX_SIDE_PX is refused with the numbers', () => {
    expect(refusal(header(8000, 5001))?.message).toBe('The image is 8000x5001 pixels (40.0 megapixels); the limit is 40 megapixels.');
    expect(refusal(header(8193, 100))?.message).toBe('The image is 8193x100 pixels; each side may be at most 8192 pixels.');
    expect(refusal(header(8000, 5000))).toBeUndefined();
  });
});

describe('SVG optimisation', () => {
  const doc = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">${body}</svg>`;

  it('writes path data relative, straight cubics as lines, collinear runs merged, closing lines dropped', () => {
    const d = optimizePathData('M10 10 C13.33 10 16.67 10 20 10 L30 10 L30 20 L30 30 L10 30 L10 10 Z', undefined);
    expect(d).toBe('m10 10h20v20h-20z');
  });

  it('folds a translate() into the coordinates and shortens colours', () => {
    const out = optimizeSvg(doc('<path d="M0 0 L4 0 L4 4 Z" fill="#AABBCC" transform="translate(3,5)"/>'));
    expect(out).toContain('<path d="m3 5h4v4z" fill="#abc"/>');
  });

  it('keeps curves, uses the s shorthand for reflected control points, and leaves arcs alone', () => {
    expect(optimizePathData('M0 0 C0 10 10 10 10 0 C10 -10 20 -10 20 0', undefined)).toBe('m0 0c0 10 10 10 10 0s10-10 10 0');
    expect(optimizePathData('M0 0 A5 5 0 0 1 10 0', undefined)).toBeNull();
  });

  it('rounds to the precision asked for and never drifts', () => {
    // 100 relative steps of 0.04: positions are rounded absolute, then differenced, so the end
    // point is exact (rounding each step would end at 0) and the steps merge into one line.
    const d = 'M0 0' + ' l0.04 0'.repeat(100);
    expect(optimizePathData(d, 1)).toBe('m0 0h4');
    expect(optimizePathData('M1.26 2.24 L3.91 7.15', 1)).toBe('m1.3 2.2 2.6 5');
  });

  it('is idempotent, and lossless in rendering at the default precision', async () => {
    const source = fixtures['flat-art'];
    const { data, info } = await (await import('sharp')).default(source.file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { width: info.width, height: info.height, data: new Uint8Array(data), hasTransparency: false };
    const raw = await vtracerEngine.trace(image, VTRACER_CLI_DEFAULTS);
    const once = optimizeSvg(raw);
    expect(optimizeSvg(once)).toBe(once);
    expect(optimizeSvg(optimizeSvg(raw, { precision: 1 }))).toBe(optimizeSvg(raw, { precision: 1 }));
    expect(once.length).toBeLessThan(raw.length * 0.6);
    const before = await scoreSvg(image, raw);
    expect(Math.abs((await scoreSvg(image, once)) - before)).toBeLessThan(0.001);
    expect(Math.abs((await scoreSvg(image, optimizeSvg(raw, { precision: 1 }))) - before)).toBeLessThan(0.001);
  });

  it('the gap filler strokes each shape in its own colour', () => {
    const out = addGapFiller(doc('<path d="M0 0h4v4z" fill="#123456"/>'), 0.5);
    expect(out).toContain('stroke="#123456" stroke-width="0.5"');
  });
});
