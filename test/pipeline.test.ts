/** The pipeline on generated images: classification, determinism, transparency, safe output. */
import { readFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { parseOptions } from '../src/pipeline/options.js';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
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
    ['logo-4c', 1],
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
  it.each(['logo-2c', 'logo-4c', 'flat-art', 'gradient'] as const)('%s', async (name) => {
    const result = await convert(fixtures[name].file);
    expect(result.ssim).toBeGreaterThanOrEqual(result.target);
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
