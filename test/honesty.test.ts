/**
 * The SSIM we return is the SSIM measured at the source's size: recomputed here independently,
 * with ssim.js's public API on full-size composites and resvg's PNG output, for a few images.
 */
import { readFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { makeService } from './helpers/service.js';

const service = makeService();
let fixtures: FixtureIndex;
beforeAll(async () => {
  fixtures = await ensureFixtures();
});
afterAll(() => service.close());

/** Flattens straight RGBA over a grey level, the textbook way. */
function over(rgba: Buffer, bg: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3]! / 255;
    for (let c = 0; c < 3; c++) out[i + c] = rgba[i + c]! * a + bg * (1 - a);
    out[i + 3] = 255;
  }
  return out;
}

async function independentSsim(sourceFile: string, svg: string): Promise<{ score: number; transparent: boolean }> {
  const { data: src, info } = await sharp(await readFile(sourceFile), { pages: 1, autoOrient: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: info.width } }).render().asPng();
  const { data: rendered } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const transparent = src.some((v, i) => i % 4 === 3 && v !== 255);
  const score = (bg: number) =>
    ssim({ width: info.width, height: info.height, data: over(src, bg) }, { width: info.width, height: info.height, data: over(rendered, bg) }).mssim;
  return { score: transparent ? Math.min(score(255), score(0)) : score(255), transparent };
}

describe('the returned SSIM', () => {
  it.each(['logo-4c', 'flat-art', 'photo-like', 'transparent-logo', 'alpha-mask'] as const)('equals an independent recomputation for %s', async (name) => {
    const fixture = fixtures[name];
    const res = await request(service.app).post('/api/convert').set('Accept', 'application/json').attach('image', await readFile(fixture.file), 'in.png');
    expect(res.status).toBe(200);
    const { score: expected, transparent } = await independentSsim(fixture.file, res.body.svg);
    if (transparent) {
      // Compositing semi-transparent edges rounds differently here (floats) than in the scorer
      // (integers, premultiplied render), which moves the score by well under 1e-3.
      expect(Math.abs(res.body.ssim - expected)).toBeLessThan(1e-3);
    } else {
      // Opaque: the same numbers to the last bit, floored to 4 decimals, so never above the measurement.
      expect(res.body.ssim).toBeLessThanOrEqual(expected);
      expect(expected - res.body.ssim).toBeLessThan(1e-4);
    }
  });
});
