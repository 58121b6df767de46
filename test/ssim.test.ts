/**
 * The scorer itself: our Weber SSIM equals ssim.js's to the last bit, it compares at ssim.js's
 * downsampled size, and transparent sources are scored over white and over black, the lower
 * reported. Real renders by resvg; the end-to-end honesty of returned scores is test/honesty.test.ts.
 */
import { Resvg } from '@resvg/resvg-js';
import { ssim } from 'ssim.js';
import { describe, expect, it } from 'vitest';
import { asDecoded } from '../src/pipeline/decode.js';
import { measureSsim, measureSvgSsim, ssimDownsampleFactor, weberSsim } from '../src/quality/ssim.js';
import { renderSvg } from '../src/quality/rasterize.js';

describe('SSIM', () => {
  /** A grey plane as ImageData for ssim.js and as integers for ours. */
  const planes = (width: number, height: number, value: (x: number, y: number) => number) => {
    const data = new Int32Array(width * height);
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        data[i] = Math.max(0, Math.min(255, Math.round(value(x, y))));
        rgba.fill(data[i]!, i * 4, i * 4 + 3);
        rgba[i * 4 + 3] = 255;
      }
    }
    return { int: { width, height, data }, image: { width, height, data: rgba } };
  };

  it('computes exactly what ssim.js computes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 255;
    const cases = [
      [planes(256, 256, () => rand()), planes(256, 256, () => rand())],
      [planes(300, 200, (x, y) => (x * y) % 256), planes(300, 200, (x, y) => (x * y + rand() / 8) % 256)],
      [planes(64, 48, (x) => x * 4), planes(64, 48, (x) => x * 4)],
      [planes(40, 30, () => 0), planes(40, 30, () => 255)],
      [planes(512, 384, (x, y) => 128 + 100 * Math.sin(x / 7) * Math.cos(y / 5)), planes(512, 384, (x, y) => 128 + 90 * Math.sin(x / 7) * Math.cos(y / 6))],
    ] as const;
    for (const [a, b] of cases) {
      expect(weberSsim(a.int, b.int)).toBe(ssim(a.image, b.image, { downsample: false }).mssim);
    }
  });
});

describe('the downsampling factor (ssim.js "original": about 256 px on the shorter side)', () => {
  it.each([
    [100, 100, 1], [256, 256, 1], [383, 1000, 1], [384, 1000, 2], [1000, 384, 2], [640, 640, 3], [4000, 3000, 12],
  ])('%i x %i -> %i', (w, h, f) => {
    expect(ssimDownsampleFactor(w, h)).toBe(f);
  });
});

/** Straight RGBA (Uint8) over a grey level, the textbook way, as ssim.js ImageData. */
function over(rgba: Uint8Array, width: number, height: number, bg: number) {
  const data = new Uint8ClampedArray(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3]! / 255;
    for (let c = 0; c < 3; c++) data[i + c] = rgba[i + c]! * a + bg * (1 - a);
    data[i + 3] = 255;
  }
  return { width, height, data };
}

/** An SVG rendered by resvg to straight RGBA at its size: a source image as the decoder gives it. */
function rasterOf(svg: string) {
  const img = new Resvg(svg).render();
  const px = new Uint8Array(img.pixels);
  // resvg is premultiplied: back to straight alpha.
  for (let i = 0; i < px.length; i += 4) {
    const a = px[i + 3]!;
    if (a > 0 && a < 255) for (let c = 0; c < 3; c++) px[i + c] = Math.min(255, Math.round((px[i + c]! * 255) / a));
  }
  return asDecoded(px, img.width, img.height);
}

const svgOf = (w: number, h: number, body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${body}</svg>`;

describe('measured SSIM against ssim.js on real renders', () => {
  const source = svgOf(600, 400, '<rect width="600" height="400" fill="#fff"/><circle cx="300" cy="200" r="150" fill="#2a6"/><rect x="40" y="40" width="120" height="60" fill="#c33"/>');
  const traced = svgOf(600, 400, '<rect width="600" height="400" fill="#fff"/><circle cx="302" cy="199" r="146" fill="#2b7"/><rect x="42" y="40" width="116" height="62" fill="#c44"/>');

  it('an SVG scores 1 against its own render, and what ssim.js scores against an imperfect one (downsampled by 2)', async () => {
    const src = rasterOf(source);
    expect(src.hasTransparency).toBe(false);
    expect(await measureSvgSsim(src, source)).toBe(1);
    const ours = await measureSvgSsim(src, traced);
    const theirs = ssim(over(src.data, 600, 400, 255), over(rasterOf(traced).data, 600, 400, 255)).mssim;
    expect(ours).toBeLessThan(0.999);
    expect(Math.abs(ours - theirs)).toBeLessThan(1e-3);
    // The whole-image render and the band-by-band render are scored alike.
    expect(measureSsim(src, renderSvg(traced, 600, 400))).toBeCloseTo(ours, 10);
  });

  it.each([
    [1001, 770, 3],
    [1030, 1027, 4],
  ])('at %i x %i (downsampled by %i, sides no multiple of it) the score is ssim.js\'s to the last bit', async (w, h, f) => {
    const body = (dx: number, fill: string) =>
      `<rect width="${w}" height="${h}" fill="#fff"/><circle cx="${w / 2 + dx}" cy="${h / 2}" r="${h / 3}" fill="${fill}"/><path d="M0 ${h - 1}L${w} ${h - 7}L${w} ${h}H0z" fill="#135"/><rect x="${w - 5}" y="0" width="5" height="${h}" fill="#a52"/><rect x="${dx}" y="0" width="${w / 3}" height="1" fill="#c33"/><rect x="0" y="${dx}" width="1" height="${h / 2}" fill="#444"/>`;
    const a = svgOf(w, h, body(0, '#2a6'));
    const b = svgOf(w, h, body(6, '#3b7'));
    expect(ssimDownsampleFactor(w, h)).toBe(f);
    const src = rasterOf(a);
    const theirs = ssim(over(src.data, w, h, 255), over(rasterOf(b).data, w, h, 255)).mssim;
    expect(theirs).toBeLessThan(0.99);
    // Opaque both: the composite is exact, so nothing but the downsampling and SSIM can differ.
    expect(await measureSvgSsim(src, b)).toBe(theirs);
  });

  it('a transparent source is scored over white and over black, and the lower one counts', async () => {
    // A translucent glow that the trace leaves out: nearly invisible over white, plain over black.
    const glow = svgOf(300, 300, '<circle cx="150" cy="150" r="140" fill="#fff" fill-opacity="0.5"/><rect x="100" y="100" width="100" height="100" fill="#248"/>');
    const noGlow = svgOf(300, 300, '<rect x="100" y="100" width="100" height="100" fill="#248"/>');
    const src = rasterOf(glow);
    expect(src.hasTransparency).toBe(true);
    const white = ssim(over(src.data, 300, 300, 255), over(rasterOf(noGlow).data, 300, 300, 255)).mssim;
    const black = ssim(over(src.data, 300, 300, 0), over(rasterOf(noGlow).data, 300, 300, 0)).mssim;
    expect(black).toBeLessThan(white - 0.05);
    const ours = await measureSvgSsim(src, noGlow);
    expect(Math.abs(ours - black)).toBeLessThan(1e-3);
    expect(measureSsim(src, renderSvg(noGlow, 300, 300))).toBeCloseTo(ours, 10);
    expect(await measureSvgSsim(src, glow)).toBe(1);
  });

  it('flat images: identical ones score 1, a flat image against another flat one scores 0 at best', async () => {
    const grey = svgOf(64, 64, '<rect width="64" height="64" fill="#808080"/>');
    const src = rasterOf(grey);
    expect(await measureSvgSsim(src, grey)).toBe(1);
    const black = await measureSvgSsim(src, svgOf(64, 64, '<rect width="64" height="64" fill="#000"/>'));
    expect(black).toBeGreaterThanOrEqual(0);
    expect(black).toBeLessThan(0.1);
  });
});
