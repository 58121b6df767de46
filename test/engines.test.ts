import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { srgb8ToOklab, oklabToSrgb8 } from '../src/color/oklab.js';
import { TRANSPARENT, applyPalette, quantize } from '../src/color/quantize.js';
import type { Engine, RgbaImage } from '../src/engines/engine.js';
import {
  DEFAULT_ENGINE_PARAMS,
  DEFAULT_IMAGETRACER_PARAMS,
  DEFAULT_POTRACE_PARAMS,
  VTRACER_CLI_DEFAULTS,
  VTRACER_PHOTO,
  VTRACER_POSTER,
  engines,
  potraceDefaultEngine,
  tracePotraceDefault,
} from '../src/engines/index.js';
import { potraceEngine } from '../src/engines/potrace.js';
import { imagetracerEngine } from '../src/engines/imagetracer.js';
import { vtracerEngine } from '../src/engines/vtracer.js';

type Rgba = readonly [number, number, number, number];

function makeImage(width: number, height: number, pixel: (x: number, y: number) => Rgba): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, data };
}

const WHITE: Rgba = [255, 255, 255, 255];
const RED: Rgba = [220, 30, 30, 255];
const BLUE: Rgba = [20, 40, 200, 255];
const GREEN: Rgba = [30, 160, 60, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

const inDisc = (x: number, y: number, cx: number, cy: number, r: number): boolean =>
  (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 < r * r;

/** 64x64: white background, red disc at (22,22) r 14, blue square 38..58 x 36..58. */
const logo = makeImage(64, 64, (x, y) =>
  inDisc(x, y, 22, 22, 14) ? RED : x >= 38 && x < 58 && y >= 36 && y < 58 ? BLUE : WHITE,
);
/** Green disc on a transparent background (vtracer keys this one by itself). */
const sticker = makeImage(64, 64, (x, y) => (inDisc(x, y, 32, 32, 20) ? GREEN : CLEAR));
/** Opaque with a transparent window in the middle: too little transparency for vtracer's own keying. */
const windowed = makeImage(64, 64, (x, y) => (x >= 24 && x < 40 && y >= 24 && y < 40 ? CLEAR : BLUE));
const onePixel = makeImage(1, 1, () => [10, 20, 30, 255]);
const blank = makeImage(32, 32, () => WHITE);
const allClear = makeImage(16, 16, () => CLEAR);

function render(svg: string): { width: number; height: number; at(x: number, y: number): Rgba } {
  const r = new Resvg(svg).render();
  const px = r.pixels;
  return {
    width: r.width,
    height: r.height,
    at: (x, y) => {
      const o = (y * r.width + x) * 4;
      return [px[o]!, px[o + 1]!, px[o + 2]!, px[o + 3]!];
    },
  };
}

function rootAttributes(svg: string): Record<string, string> {
  const root = /^<svg\b([^>]*)>/.exec(svg);
  expect(root, 'document starts with <svg ...>').not.toBeNull();
  const attrs: Record<string, string> = {};
  for (const m of root![1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[m[1]!] = m[2]!;
  return attrs;
}

function expectWellFormed(svg: string, image: RgbaImage): void {
  expect(svg.endsWith('</svg>')).toBe(true);
  const attrs = rootAttributes(svg);
  expect(attrs.xmlns).toBe('http://www.w3.org/2000/svg');
  expect(attrs.width).toBe(String(image.width));
  expect(attrs.height).toBe(String(image.height));
  expect(attrs.viewBox).toBe(`0 0 ${image.width} ${image.height}`);
  expect(svg).not.toMatch(/<!--|<\?xml|\bdesc=/);
  const r = render(svg); // resvg rejects malformed XML
  expect([r.width, r.height]).toEqual([image.width, image.height]);
}

function expectColour(actual: Rgba, expected: Rgba, tolerance = 12): void {
  for (let i = 0; i < 4; i++) expect(Math.abs(actual[i]! - expected[i]!), `channel ${i} of ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function fills(svg: string): string[] {
  return [...svg.matchAll(/fill="(#[0-9a-fA-F]{6})"/g)].map((m) => m[1]!.toLowerCase());
}

const hex = (c: Rgba): string => '#' + c.slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('');

// --- colour ---

describe('oklab', () => {
  it('round-trips 8-bit sRGB', () => {
    for (const [r, g, b] of [[0, 0, 0], [255, 255, 255], [220, 30, 30], [20, 40, 200], [1, 128, 254]] as const) {
      const lab = srgb8ToOklab(r, g, b);
      expect(oklabToSrgb8(lab.L, lab.a, lab.b)).toEqual({ r, g, b });
    }
  });
});

describe('quantize', () => {
  const flat = makeImage(48, 48, (x, y) => (x < 16 ? RED : y < 20 ? BLUE : WHITE));
  const gradient = makeImage(96, 64, (x, y) => [(x * 255) / 95, (y * 255) / 63, ((x + y) * 255) / 158, 255]);

  it('finds the exact colours of a flat three-colour image, sorted by count', () => {
    const q = quantize(flat, { maxColors: 8 });
    expect(q.palette).toEqual([
      { r: 255, g: 255, b: 255 },
      { r: 220, g: 30, b: 30 },
      { r: 20, g: 40, b: 200 },
    ]);
    expect(q.counts).toEqual([32 * 28, 16 * 48, 32 * 20]);
    expect(q.indices[0]).toBe(1); // (0,0) is red
    expect(q.indices[47 * 48 + 47]).toBe(0); // bottom-right is white
  });

  it('respects maxColors and is deterministic', () => {
    for (const maxColors of [1, 2, 5, 16]) {
      const a = quantize(gradient, { maxColors });
      const b = quantize(gradient, { maxColors });
      expect(a.palette.length).toBeLessThanOrEqual(maxColors);
      expect(a.palette.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
      expect(a.counts.reduce((s, c) => s + c, 0)).toBe(96 * 64);
      for (let i = 1; i < a.counts.length; i++) expect(a.counts[i]!).toBeLessThanOrEqual(a.counts[i - 1]!);
      expect(Math.max(...a.indices)).toBe(a.palette.length - 1);
    }
  });

  it('is deterministic with sampling too', () => {
    const a = quantize(gradient, { maxColors: 6, sampleLimit: 500 });
    expect(quantize(gradient, { maxColors: 6, sampleLimit: 500 })).toEqual(a);
    expect(a.counts.reduce((s, c) => s + c, 0)).toBe(96 * 64);
  });

  it('marks pixels under the alpha threshold TRANSPARENT', () => {
    const img = makeImage(4, 1, (x) => [200, 10, 10, [0, 127, 128, 255][x]!]);
    const q = quantize(img, { maxColors: 4 });
    expect([...q.indices]).toEqual([TRANSPARENT, TRANSPARENT, 0, 0]);
    expect(q.counts).toEqual([2]);
    expect(quantize(img, { maxColors: 4, alphaThreshold: 1 }).counts).toEqual([3]);
    const none = quantize(allClear, { maxColors: 4 });
    expect(none.palette).toEqual([]);
    expect(none.indices.every((i) => i === TRANSPARENT)).toBe(true);
  });

  it('applyPalette maps to the nearest given colour and keeps the palette order', () => {
    const palette = [{ r: 0, g: 0, b: 0 }, { r: 255, g: 0, b: 0 }, { r: 250, g: 250, b: 250 }, { r: 0, g: 0, b: 255 }];
    const q = applyPalette(flat, palette, 128);
    expect(q.palette).toEqual(palette);
    expect(q.counts).toEqual([0, 16 * 48, 32 * 28, 32 * 20]);
    expect(q.indices[0]).toBe(1);
    const withHole = applyPalette(sticker, palette, 128);
    expect(withHole.indices[0]).toBe(TRANSPARENT);
  });
});

// --- engines, common contract ---

const cases: [string, Engine<never>, object][] = [
  ['potrace', potraceEngine as Engine<never>, DEFAULT_POTRACE_PARAMS],
  ['imagetracer', imagetracerEngine as Engine<never>, DEFAULT_IMAGETRACER_PARAMS],
  ['vtracer', vtracerEngine as Engine<never>, VTRACER_CLI_DEFAULTS],
];

describe.each(cases)('%s engine', (name, engine, params) => {
  const trace = (img: RgbaImage, p: object = params): Promise<string> => (engine.trace as (i: RgbaImage, p: object) => Promise<string>)(img, p);

  it('is registered under its name', () => {
    expect(engines[name as keyof typeof engines]).toBe(engine);
    expect(engine.name).toBe(name);
    expect(engine.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(DEFAULT_ENGINE_PARAMS[name as keyof typeof DEFAULT_ENGINE_PARAMS]).toBe(params);
  });

  it('traces the logo into a well-formed, faithful SVG', async () => {
    const svg = await trace(logo);
    expectWellFormed(svg, logo);
    const r = render(svg);
    expectColour(r.at(22, 22), RED, 40);
    expectColour(r.at(48, 47), BLUE, 40);
    expectColour(r.at(4, 60), WHITE, 40);
  });

  it('is deterministic', async () => {
    for (const img of [logo, sticker, windowed]) expect(await trace(img)).toBe(await trace(img));
  });

  it('keeps transparent pixels uncovered', async () => {
    const s = render(await trace(sticker));
    expect(s.at(2, 2)[3]).toBe(0);
    expect(s.at(60, 5)[3]).toBe(0);
    expect(s.at(32, 32)[3]).toBe(255);
    const w = render(await trace(windowed));
    expect(w.at(32, 32)[3]).toBe(0);
    expect(w.at(27, 37)[3]).toBe(0);
    expect(w.at(8, 8)[3]).toBe(255);
    expect(w.at(50, 56)[3]).toBe(255);
  });

  it('handles 1x1, blank and fully transparent images', async () => {
    for (const img of [onePixel, blank, allClear]) expectWellFormed(await trace(img), img);
    const clear = render(await trace(allClear));
    expect(clear.at(8, 8)[3]).toBe(0);
  });
});

// --- potrace specifics ---

describe('potrace', () => {
  it('emits the disc and square colours as fills', async () => {
    const svg = await potraceEngine.trace(logo, DEFAULT_POTRACE_PARAMS);
    expect(fills(svg)).toEqual(expect.arrayContaining([hex(RED), hex(BLUE)]));
    expect(svg).toContain(`<rect width="64" height="64" fill="${hex(WHITE)}"/>`);
    expect(svg).not.toMatch(/\d\.\d{3}/); // coordinates shortened to 2 decimals
  });

  it("'stacked' and 'cutout' differ, and both draw the same picture", async () => {
    const stacked = await potraceEngine.trace(logo, { ...DEFAULT_POTRACE_PARAMS, stacking: 'stacked' });
    const cutout = await potraceEngine.trace(logo, { ...DEFAULT_POTRACE_PARAMS, stacking: 'cutout' });
    expect(stacked).not.toBe(cutout);
    const a = render(cutout);
    expectColour(a.at(22, 22), RED);
    expectColour(a.at(48, 47), BLUE);
  });

  it("'keep' traces the background instead of a rect", async () => {
    const svg = await potraceEngine.trace(logo, { ...DEFAULT_POTRACE_PARAMS, background: 'keep' });
    expect(svg).not.toContain('<rect');
    expect(fills(svg)).toContain(hex(WHITE));
    expectColour(render(svg).at(2, 2), WHITE);
  });

  it('never draws a background rect under transparency', async () => {
    expect(await potraceEngine.trace(windowed, DEFAULT_POTRACE_PARAMS)).not.toContain('<rect');
  });

  it('honours a fixed palette', async () => {
    const palette = [{ r: 255, g: 255, b: 255 }, { r: 255, g: 0, b: 0 }, { r: 0, g: 0, b: 255 }];
    const svg = await potraceEngine.trace(logo, { ...DEFAULT_POTRACE_PARAMS, palette });
    expect(new Set(fills(svg))).toEqual(new Set(['#ffffff', '#ff0000', '#0000ff']));
    const r = render(svg);
    expectColour(r.at(22, 22), [255, 0, 0, 255], 0);
    expectColour(r.at(48, 47), [0, 0, 255, 255], 0);
  });

  it('folds anti-aliasing fringes into the colours they blend, but keeps thin distinct lines', async () => {
    // 4x4 supersampled: red disc on white with a 2.5 px green line, so fringes are pinks and pale greens.
    const aa = makeImage(96, 96, (x, y) => {
      const sum = [0, 0, 0];
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          const X = x + (i + 0.5) / 4;
          const Y = y + (j + 0.5) / 4;
          const c = Math.abs(Y - 80.5) < 1.25 ? GREEN : (X - 40) ** 2 + (Y - 40) ** 2 < 30 ** 2 ? RED : WHITE;
          for (let ch = 0; ch < 3; ch++) sum[ch]! += c[ch]!;
        }
      }
      return [Math.round(sum[0]! / 16), Math.round(sum[1]! / 16), Math.round(sum[2]! / 16), 255];
    });
    const params = { ...DEFAULT_POTRACE_PARAMS, maxColors: 10 };
    const merged = await potraceEngine.trace(aa, params);
    expect(new Set(fills(merged))).toEqual(new Set([hex(WHITE), hex(RED), hex(GREEN)]));
    const kept = await potraceEngine.trace(aa, { ...params, edgeColors: 'keep' });
    expect(new Set(fills(kept)).size).toBeGreaterThan(3);
    expect(merged.length).toBeLessThan(kept.length);
    expectColour(render(merged).at(60, 80), GREEN);
  });

  it('fills shapes touching both left and right edges without leaking past the border', async () => {
    const svg = await potraceEngine.trace(windowed, DEFAULT_POTRACE_PARAMS);
    const data = [...svg.matchAll(/ d="([^"]*)"/g)].map((m) => m[1]!).join(' ');
    const coords = [...data.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
    expect(coords.length).toBeGreaterThan(0);
    expect(Math.max(...coords)).toBeLessThanOrEqual(64);
    expect(Math.min(...coords)).toBeGreaterThanOrEqual(0);
  });

  it('default-settings baseline: one black layer, as potrace.trace() writes it', async () => {
    const svg = tracePotraceDefault(logo);
    expect(await potraceDefaultEngine.trace(logo, {})).toBe(svg);
    expect(potraceDefaultEngine.version).not.toBe(potraceEngine.version);
    expect(fills(svg)).toEqual([]);
    expect(svg.match(/fill="black"/g)).toHaveLength(1);
    const attrs = rootAttributes(svg);
    expect(attrs.viewBox).toBe('0 0 64 64');
    const r = render(svg);
    expect(r.at(22, 22)[3]).toBe(255);
    expect(r.at(2, 2)[3]).toBe(0);
  });
});

// --- imagetracer specifics ---

describe('imagetracer', () => {
  const noisy = makeImage(40, 40, (x, y) => [(x * 37 + y * 11) & 255, (x * 5 + y * 23) & 255, (x * y) & 255, 255]);

  it('is deterministic even for presets that use Math.random, and restores Math.random', async () => {
    const random = Math.random;
    for (const preset of ['randomsampling1', 'artistic1', 'posterized3'] as const) {
      const a = await imagetracerEngine.trace(noisy, { preset });
      expect(await imagetracerEngine.trace(noisy, { preset })).toBe(a);
      expectWellFormed(a, noisy);
    }
    expect(Math.random).toBe(random);
  });

  it('writes hex fills and keeps the viewBox in pixels when scale is not 1', async () => {
    const svg = await imagetracerEngine.trace(logo, { ...DEFAULT_IMAGETRACER_PARAMS, scale: 2 });
    expectWellFormed(svg, logo);
    expect(svg).not.toContain('rgb(');
    expectColour(render(svg).at(22, 22), RED, 40);
  });
});

// --- vtracer specifics ---

describe('vtracer', () => {
  it('exposes the CLI defaults and presets', () => {
    expect(VTRACER_CLI_DEFAULTS).toMatchObject({ filterSpeckle: 4, colorPrecision: 6, layerDifference: 16, cornerThreshold: 60, pathPrecision: 2 });
    expect(VTRACER_POSTER.colorPrecision).toBe(8);
    expect(VTRACER_PHOTO).toMatchObject({ filterSpeckle: 10, layerDifference: 48, cornerThreshold: 180 });
  });

  it('binary mode draws black only and leaves transparency and light colours as paper', async () => {
    const svg = await vtracerEngine.trace(sticker, { ...VTRACER_CLI_DEFAULTS, colorMode: 'binary' });
    expectWellFormed(svg, sticker);
    expect(new Set(fills(svg))).toEqual(new Set(['#000000']));
    const r = render(svg);
    expect(r.at(2, 2)[3]).toBe(0);
    expect(r.at(32, 32)[3]).toBe(255);
  });

  it('stays deterministic when all six of its key colours occur in a transparent image', async () => {
    const keys: Rgba[] = [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [255, 255, 0, 255], [0, 255, 255, 255], [255, 0, 255, 255]];
    const img = makeImage(48, 48, (x, y) => (y < 8 ? CLEAR : keys[Math.floor(x / 8)]!));
    const a = await vtracerEngine.trace(img, VTRACER_CLI_DEFAULTS);
    expect(await vtracerEngine.trace(img, VTRACER_CLI_DEFAULTS)).toBe(a);
    expect(render(a).at(20, 2)[3]).toBe(0);
  });

  describe('tiles', () => {
    /** 300x200: a smooth diagonal gradient with a dark disc, the kind of image tiles are for. */
    const shaded = makeImage(300, 200, (x, y) =>
      inDisc(x, y, 150, 100, 50) ? [40, 30, 90, 255] : [Math.round((x * 255) / 299), Math.round((y * 255) / 199), 128, 255],
    );
    const tiled = { ...VTRACER_CLI_DEFAULTS, colorPrecision: 8, tileSize: 128 };

    it('are deterministic, whatever the concurrency, and no less faithful than one trace', async () => {
      const a = await vtracerEngine.trace(shaded, { ...tiled, tileConcurrency: 1 });
      expect(await vtracerEngine.trace(shaded, { ...tiled, tileConcurrency: 4 })).toBe(a);
      expectWellFormed(a, shaded);
      const error = (svg: string) => {
        const r = render(svg);
        let sum = 0;
        for (let y = 0; y < 200; y += 2) for (let x = 0; x < 300; x += 2) for (let c = 0; c < 3; c++) sum += Math.abs(r.at(x, y)[c]! - shaded.data[(y * 300 + x) * 4 + c]!);
        return sum / (150 * 100 * 3);
      };
      const whole = error(await vtracerEngine.trace(shaded, { ...tiled, tileSize: 0 }));
      expect(error(a)).toBeLessThan(whole);
      expect(render(a).at(150, 100)).toEqual([40, 30, 90, 255]);
    });

    it('leave no seam: every pixel of an opaque image stays opaque', async () => {
      // Traced at a scale that puts tile edges between pixels, where a seam would show.
      const flat = makeImage(301, 203, () => [200, 120, 40, 255]);
      const svg = await vtracerEngine.trace(flat, { ...tiled, tileSize: 64 });
      expect(svg.match(/<path/g)!.length).toBeGreaterThan(12); // really tiled
      const px = new Resvg(svg.replace(/width="301" height="203"/, 'width="433" height="292"')).render().pixels; // a copy per access
      let holes = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 255) holes++;
      expect(holes).toBe(0);
    });
  });
});
