/**
 * Tiny images come back exact: one rectangle per run of identical pixels, rendered back to the very
 * same pixels, SSIM ~1 (a 1x1 image used to answer an empty SVG with SSIM 0.0-0.22).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tierDeadlines } from '../src/config/config.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { parseOptions } from '../src/pipeline/options.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { testConfig } from './helpers/service.js';

const config = testConfig();

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** Largest difference per channel between the source and the render of the SVG (alpha un-premultiplied). */
async function largestDifference(input: Buffer, svg: string): Promise<number> {
  const { data, info } = await sharp(input).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const render = renderSvg(svg, info.width, info.height).premultiplied;
  let worst = 0;
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    worst = Math.max(worst, Math.abs(render[i + 3]! - a));
    for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(render[i + k]! - Math.round((data[i + k]! * a) / 255)));
  }
  return worst;
}

const CASES: [string, Promise<Buffer>][] = [
  ['1x1 opaque red', png(1, 1, () => [200, 30, 30, 255])],
  ['1x1 half-transparent blue', png(1, 1, () => [20, 40, 200, 128])],
  ['3x1 red, green, blue', png(3, 1, (x) => [x === 0 ? 255 : 0, x === 1 ? 255 : 0, x === 2 ? 255 : 0, 255])],
  ['4x4 checkerboard with a transparent corner', png(4, 4, (x, y) => (x === 0 && y === 0 ? [0, 0, 0, 0] : (x + y) % 2 ? [0, 0, 0, 255] : [255, 255, 255, 255]))],
  ['16x12 pixel art in 5 colours', png(16, 12, (x, y) => [[255, 255, 255, 255], [20, 40, 160, 255], [220, 30, 30, 255], [250, 200, 0, 255], [30, 160, 60, 255]][(x * 3 + y * 5) % 5] as [number, number, number, number])],
  ['1x300 strip', png(1, 300, (_x, y) => [y % 256, 90, 255 - (y % 256), 255])],
];

describe('tiny images come back exact', () => {
  it.each(CASES)('%s: the SVG renders to the same pixels, SSIM ~1', async (_name, bytes) => {
    const input = await bytes;
    const result = await convertImage(input, parseOptions({}), limitsFromConfig(config), tierDeadlines(config));
    expect(result.engine).toBe('pixels');
    expect(result.ssim).toBeGreaterThanOrEqual(0.999);
    expect(await largestDifference(input, result.svg)).toBeLessThanOrEqual(1);
  });

  it('one path per colour, one rectangle per run in a row', async () => {
    const input = await png(6, 2, (x) => (x < 4 ? [255, 0, 0, 255] : [0, 0, 255, 255]));
    const result = await convertImage(input, parseOptions({}), limitsFromConfig(config), tierDeadlines(config));
    expect(result.svg.match(/<path/g)).toHaveLength(2);
    expect(result.svg.match(/h/g)?.length).toBeGreaterThanOrEqual(4);
  });
});
