/**
 * Gradient fitting (src/gradients/): synthetic ramps are recovered as one gradient each, within
 * a small error; soft transparency is kept as opacity; gradients=off draws flat fills only.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SRGB8_TO_LINEAR, linearRgbToOklabInto } from '../src/color/oklab.js';
import type { RgbaImage } from '../src/engines/engine.js';
import { traceVtracer, VTRACER_CLI_DEFAULTS } from '../src/engines/vtracer.js';
import { fillRegions } from '../src/gradients/fill.js';
import { fitFlat, fitLinear, fitRadial, Moments, radialCentre, RadialMoments } from '../src/gradients/fit.js';
import { segmentImage } from '../src/gradients/segment.js';
import { tierDeadlines } from '../src/config/config.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { parseOptions } from '../src/pipeline/options.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
import { testConfig } from './helpers/service.js';

const W = 96;
const H = 64;

function image(pixel: (x: number, y: number) => [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set(pixel(x, y), (y * W + x) * 4);
  return { width: W, height: H, data };
}

function momentsOf(img: RgbaImage): Moments {
  const m = new Moments();
  const lab = [0, 0, 0];
  for (let p = 0; p < W * H; p++) {
    const o = p * 4;
    linearRgbToOklabInto(SRGB8_TO_LINEAR[img.data[o]!]!, SRGB8_TO_LINEAR[img.data[o + 1]!]!, SRGB8_TO_LINEAR[img.data[o + 2]!]!, lab);
    m.add((p % W) + 0.5, Math.floor(p / W) + 0.5, lab[0]!, lab[1]!, lab[2]!, img.data[o + 3]! / 255);
  }
  return m;
}

/** Mean absolute difference per channel (0-255) between a source and an opaque SVG's render. */
function meanError(img: RgbaImage, svg: string): number {
  const r = renderSvg(svg, W, H).premultiplied;
  let sum = 0;
  for (let i = 0; i < img.data.length; i += 4) for (let k = 0; k < 3; k++) sum += Math.abs(img.data[i + k]! - r[i + k]!);
  return sum / (W * H * 3);
}

/** Segments, traces and fills an image the way tier 3 does for photos. */
async function traced(img: RgbaImage): Promise<string> {
  const seg = segmentImage(img, { colours: 64, mergeCost: 0.002, minArea: 16, alphaThreshold: 16, gradients: true });
  const raw = await traceVtracer(seg.image, { ...VTRACER_CLI_DEFAULTS, mode: 'polygon', colorPrecision: 8, layerDifference: 0, filterSpeckle: 1 });
  return fillRegions(raw, img, { gradients: true, segments: { labels: seg.labels, regions: seg.regions } });
}

// A diagonal ramp from dark teal to light orange (straight in sRGB, gentle enough for two or three stops).
const linearRamp = image((x, y) => {
  const t = (x + 0.5 * y) / (W - 1 + 0.5 * (H - 1));
  return [Math.round(60 + 140 * t), Math.round(110 + 60 * t), Math.round(140 - 60 * t), 255];
});
// Light at (40, 30), darker with distance.
const radialRamp = image((x, y) => {
  const v = Math.round(230 - 2.2 * Math.hypot(x + 0.5 - 40, y + 0.5 - 30));
  return [v, Math.round(v * 0.8), 90, 255];
});

describe('gradient fit', () => {
  it('recovers a linear ramp: small residual, direction along the ramp, better than flat by far', () => {
    const m = momentsOf(linearRamp);
    const fit = fitLinear(m)!;
    expect(fit).not.toBeNull();
    expect(fit.sse / m.pixels).toBeLessThan(2e-4); // RMS under 0.015 in Oklab
    expect(fit.sse).toBeLessThan(fitFlat(m).sse / 50);
    const dx = fit.x1 - fit.x0;
    const dy = fit.y1 - fit.y0;
    // The ramp's direction is (1, 0.5): the fitted axis points the same way (either sense).
    expect(Math.abs(dx * 0.5 - dy * 1) / Math.hypot(dx, dy)).toBeLessThan(0.05);
  });

  it('recovers a radial ramp: the centre within 1.5 pixels, small residual', () => {
    const m = momentsOf(radialRamp);
    const centre = radialCentre(m)!;
    expect(Math.hypot(centre.cx - 40, centre.cy - 30)).toBeLessThan(1.5);
    const r = new RadialMoments(centre.cx, centre.cy);
    for (let p = 0; p < W * H; p++) {
      const o = p * 4;
      const lab = [0, 0, 0];
      linearRgbToOklabInto(SRGB8_TO_LINEAR[radialRamp.data[o]!]!, SRGB8_TO_LINEAR[radialRamp.data[o + 1]!]!, SRGB8_TO_LINEAR[radialRamp.data[o + 2]!]!, lab);
      r.add((p % W) + 0.5, Math.floor(p / W) + 0.5, lab[0]!, lab[1]!, lab[2]!, 1);
    }
    const fit = fitRadial(m, r)!;
    expect(fit.sse / m.pixels).toBeLessThan(3e-4);
    expect(fit.sse).toBeLessThan(fitFlat(m).sse / 20);
  });

  it('traces a linear ramp as one region with one linear gradient, within 3 levels', async () => {
    const svg = await traced(linearRamp);
    assertSafeSvg(svg);
    expect(svg.match(/<linearGradient/g)).toHaveLength(1);
    expect(svg).not.toMatch(/<radialGradient/);
    expect(svg.match(/<path/g)).toHaveLength(1);
    expect(meanError(linearRamp, svg)).toBeLessThan(3);
  });

  it('fills one region over a radial ramp with one radial gradient, within 3 levels', () => {
    const rect = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><path d="M0 0h${W}v${H}h-${W}z" fill="#888"/></svg>`;
    const svg = fillRegions(rect, radialRamp, { gradients: true });
    assertSafeSvg(svg);
    expect(svg.match(/<radialGradient/g)).toHaveLength(1);
    expect(svg).not.toMatch(/<linearGradient/);
    expect(meanError(radialRamp, svg)).toBeLessThan(3);
  });

  it('traces a radial ramp in concentric regions, the large ones drawn with radial gradients, within 3 levels', async () => {
    // Merges are decided with flat and linear models (a radial fit needs a pass over the pixels),
    // so a cone stays split in rings; each ring is then fitted radially, no bands remain.
    const svg = await traced(radialRamp);
    assertSafeSvg(svg);
    expect(svg).toMatch(/<radialGradient/);
    expect(meanError(radialRamp, svg)).toBeLessThan(3);
  });
});

describe('one segmentation shared by the rungs of a ladder', () => {
  // Photo-like: a lit ramp, two soft blobs and noise, so every limit merges differently.
  let seed = 99;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 24;
  const photo = image((x, y) => {
    const blob = Math.max(0, 60 - Math.hypot(x - 30, y - 25) * 3) + Math.max(0, 50 - Math.hypot(x - 70, y - 40) * 2.5);
    const v = (x * 160) / W + blob;
    return [Math.round(Math.min(255, 40 + v + noise())), Math.round(Math.min(255, 70 + v * 0.6 + noise())), Math.round(Math.min(255, 120 - v * 0.3 + noise())), 255];
  });

  it('segmenting one image at any sequence of limits gives, every time, what a fresh segmentation at that limit gives', () => {
    const seen: number[] = [];
    for (const mergeCost of [0.001, 0.004, 0.008, 0.0005, 0.002, 0.002]) {
      const options = { colours: 64, mergeCost, minArea: 16, alphaThreshold: 16, gradients: true };
      const shared = segmentImage(photo, options);
      // A new image object shares nothing with the runs before.
      const fresh = segmentImage({ ...photo, data: photo.data.slice() }, options);
      expect(shared.regions).toBe(fresh.regions);
      expect(Buffer.from(shared.labels.buffer).equals(Buffer.from(fresh.labels.buffer))).toBe(true);
      expect(Buffer.from(shared.image.data).equals(Buffer.from(fresh.image.data))).toBe(true);
      seen.push(shared.regions);
    }
    // Coarser limits leave fewer regions: the limits really cut the merge at different places.
    expect(seen[0]).toBeGreaterThan(seen[1]!);
    expect(seen[1]).toBeGreaterThan(seen[2]!);
    expect(seen[3]).toBeGreaterThan(seen[0]!);
  });
});

const config = testConfig();
async function convertPng(img: RgbaImage, raw: Record<string, string>) {
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).png().toBuffer();
  return convertImage(png, parseOptions(raw), limitsFromConfig(config), tierDeadlines(config));
}

describe('soft transparency and the gradients option, through the pipeline', () => {
  it('a 50 % transparent disc keeps its opacity', async () => {
    const disc = image((x, y) => (Math.hypot(x + 0.5 - 48, y + 0.5 - 32) < 24 ? [200, 40, 40, 128] : [0, 0, 0, 0]));
    const r = await convertPng(disc, { tier: '3' });
    const opacities = [...r.svg.matchAll(/(?:fill|stop)-opacity="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(opacities.length).toBeGreaterThan(0);
    for (const o of opacities) expect(o).toBeGreaterThan(0.4), expect(o).toBeLessThan(0.6);
    expect(r.ssim).toBeGreaterThanOrEqual(0.85);
  });

  it('a mostly transparent white overlay with soft arcs is not an empty SVG', async () => {
    const overlay = image((x, y) => {
      const d = Math.hypot(x - 48, y - 90);
      let a = 0;
      for (const rad of [40, 60, 80]) a = Math.max(a, 90 * Math.exp(-(((d - rad) / 4) ** 2)));
      return [255, 255, 255, Math.round(a)];
    });
    const r = await convertPng(overlay, {});
    expect(r.svg.match(/<path/g)?.length ?? 0).toBeGreaterThan(2);
    expect(r.ssim).toBeGreaterThanOrEqual(0.85); // the lower of over white and over black
  });

  it('gradients=off draws flat fills only; auto draws the ramp with gradients', async () => {
    const off = await convertPng(linearRamp, { tier: '3', gradients: 'off' });
    expect(off.svg).not.toMatch(/Gradient/);
    const auto = await convertPng(linearRamp, { tier: '3' });
    expect(auto.svg).toMatch(/<(linear|radial)Gradient/);
  });
});

describe('the output allowlist and gradients', () => {
  const root = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4" viewBox="0 0 4 4">${body}</svg>`;

  it('accepts linear and radial gradients with stops, opacity and their geometry', () => {
    const svg = root(
      '<defs><linearGradient id="a" gradientUnits="userSpaceOnUse" gradientTransform="rotate(10)" x1="0" y1="0" x2="4" y2="4"><stop stop-color="#fff" stop-opacity=".5"/><stop offset="1" stop-color="#000"/></linearGradient>' +
        '<radialGradient id="b" gradientUnits="userSpaceOnUse" cx="2" cy="2" r="2" fx="1" fy="1"><stop offset="0" stop-color="#f00"/></radialGradient></defs>' +
        '<path d="M0 0h4v4z" fill="url(#a)" fill-opacity=".4"/><path d="M0 0h2v2z" fill="url(#b)" opacity=".9"/>',
    );
    expect(() => assertSafeSvg(svg)).not.toThrow();
  });

  it.each([
    root('<defs><linearGradient id="a" href="http://evil/g.svg#x"/></defs>'),
    root('<defs><linearGradient id="a" xlink:href="#b"/></defs>'),
    root('<defs><radialGradient id="a"><stop stop-color="url(http://evil/)"/></radialGradient></defs>'),
    root('<defs><linearGradient id="a"><script>alert(1)</script></linearGradient></defs>'),
    root('<defs><pattern id="p"><image href="data:image/png;base64,AAAA"/></pattern></defs>'),
  ])('still refuses references out of the document, scripts and embedded rasters: %s', (svg) => {
    expect(() => assertSafeSvg(svg)).toThrow(/allowlist/);
  });
});
