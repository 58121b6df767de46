/**
 * Conversion options: each is validated with a clear message, and each changes the output in the
 * way it says, measurably.
 */
import { readFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { tierDeadlines } from '../src/config/config.js';
import { AppError } from '../src/errors/app-error.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { canonicalOptions, OPTION_SPECS, parseExportOptions, parseOptions } from '../src/pipeline/options.js';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { testConfig } from './helpers/service.js';

const config = testConfig();
const convert = async (name: keyof FixtureIndex, raw: Record<string, string> = {}) =>
  convertImage(await readFile(fixtures[name].file), parseOptions(raw), limitsFromConfig(config), tierDeadlines(config));

let fixtures: FixtureIndex;
beforeAll(async () => {
  fixtures = await ensureFixtures();
});

const fills = (svg: string) => new Set([...svg.matchAll(/fill="(#[0-9a-f]{3,6})"/g)].map((m) => m[1]));
const paths = (svg: string) => svg.match(/<path/g)?.length ?? 0;
/**
 * The share of pixels covered by more than one shape: each path rendered alone, coverage (alpha)
 * summed per pixel; over 1.25 means two shapes paint the pixel, not just two anti-aliased edges.
 */
const overlapShare = (svg: string): number => {
  const open = svg.slice(0, svg.indexOf('>') + 1);
  const shapes = [...svg.matchAll(/<path\b[^>]*\/>/g)].map((m) => m[0]);
  expect(shapes.length).toBeGreaterThan(1);
  let sum: Uint16Array | undefined;
  for (const shape of shapes) {
    const px = new Resvg(`${open}${shape}</svg>`).render().pixels;
    sum ??= new Uint16Array(px.length / 4);
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + px[i * 4 + 3]!;
  }
  return sum!.filter((a) => a > 255 * 1.25).length / sum!.length;
};
const refusal = (raw: Record<string, string>): string => {
  try {
    parseOptions(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INVALID_OPTIONS');
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};

describe('validation', () => {
  it.each([
    [{ palette: '' }, /^Expected up to 64 colours like .* for palette but received "".$/],
    [{ palette: '#ff0000,red' }, /for palette but received "red"/],
    [{ palette: '#ff0000->#12' }, /for palette but received "#ff0000->#12"/],
    [{ palette: Array(65).fill('#000').join(',') }, /up to 64 colours/],
    [{ min_area: '-1' }, /^Expected integer between 0 and 1000000 for min_area but received "-1".$/],
    [{ min_area: '2.5' }, /for min_area but received "2.5"/],
    [{ stacking: 'layered' }, /^Expected one of stacked\|cutout for stacking but received "layered".$/],
    [{ gap_filler: 'maybe' }, /^Expected true or false for gap_filler but received "maybe".$/],
    [{ precision: '4' }, /^Expected integer between 0 and 3 for precision but received "4".$/],
  ])('refuses %j', (raw, message) => {
    expect(refusal(raw)).toMatch(message);
  });

  it('parses every option, and each is part of the cache key', () => {
    const o = parseOptions({ palette: '#F00; #00ff00 -> transparent, #0000ff->#fff', min_area: '30', stacking: 'cutout', gap_filler: 'false', precision: '2' });
    expect(o).toMatchObject({
      palette: [{ r: 255, g: 0, b: 0 }, { r: 0, g: 255, b: 0, to: 'transparent' }, { r: 0, g: 0, b: 255, to: { r: 255, g: 255, b: 255 } }],
      minArea: 30,
      stacking: 'cutout',
      gapFiller: false,
      precision: 2,
    });
    const base = canonicalOptions(parseOptions({}));
    for (const raw of [{ palette: '#f00' }, { min_area: '30' }, { stacking: 'cutout' }, { gap_filler: 'true' }, { precision: '2' }]) {
      expect(canonicalOptions(parseOptions(raw))).not.toBe(base);
    }
    expect(canonicalOptions(parseOptions({ palette: '#f00,#0f0->transparent' }))).not.toBe(canonicalOptions(parseOptions({ palette: '#f00,#0f0' })));
  });
});

describe('the option table', () => {
  it('every trace option is part of the cache key, no export option is', () => {
    const base = canonicalOptions(parseOptions({}));
    const sample: Record<string, string> = { tier: '2', engine: 'vtracer', quality: '0.9', time_budget_ms: '900', max_colors: '8', palette: '#f00', min_area: '5', stacking: 'cutout', gap_filler: 'true', precision: '2', gradients: 'off', shapes: 'off', draw_style: 'stroke', stroke_width: '2.5', stroke_color: '#00f', format: 'pdf', width: '10', height: '20', unit: 'mm', dpi: '300', group_by: 'color' };
    for (const spec of OPTION_SPECS) {
      expect(sample[spec.name], `a sample value for ${spec.name}`).toBeDefined();
      const key = canonicalOptions(parseOptions({ [spec.name]: sample[spec.name]! }));
      if (spec.scope === 'trace') expect(key, spec.name).not.toBe(base);
      else expect(key, spec.name).toBe(base);
    }
  });

  it('parses export options with their defaults, and refuses trace options where only export ones may be', () => {
    expect(parseExportOptions({})).toEqual({ unit: 'px', dpi: 96, groupBy: 'none' });
    expect(parseExportOptions({ format: 'dxf', width: '25.4', unit: 'mm', dpi: '300', group_by: 'color', tier: '1' })).toEqual({ format: 'dxf', width: 25.4, unit: 'mm', dpi: 300, groupBy: 'color' });
    expect(() => parseExportOptions({ tier: '1' }, { only: true })).toThrow(/as option name but received "tier"/);
    expect(() => parseExportOptions({ unit: 'furlong' })).toThrow(/^Expected one of px\|pt\|in\|cm\|mm for unit but received "furlong".$/);
  });

  it('parses auto-or-value options', () => {
    expect(parseOptions({ stroke_width: 'auto', stroke_color: 'auto' })).toMatchObject({ strokeWidth: 'auto', strokeColor: 'auto' });
    expect(parseOptions({ stroke_width: '3', stroke_color: '#0f0' })).toMatchObject({ strokeWidth: 3, strokeColor: { r: 0, g: 255, b: 0 } });
    expect(() => parseOptions({ stroke_width: '0' })).toThrow(/^Expected auto or a number between 0.1 and 100 for stroke_width but received "0".$/);
    expect(() => parseOptions({ stroke_color: 'blue' })).toThrow(/for stroke_color but received "blue"/);
  });
});

describe('every value type at its edges', () => {
  const accepts = (raw: Record<string, unknown>) => parseOptions(raw as Record<string, string>);
  const refuses = (raw: Record<string, unknown>) => refusal(raw as Record<string, string>);

  it('integers: both ends of the range are accepted, one past either end, blanks and fractions are not', () => {
    expect(accepts({ max_colors: '2' }).maxColors).toBe(2);
    expect(accepts({ max_colors: '64' }).maxColors).toBe(64);
    expect(refuses({ max_colors: '1' })).toBe('Expected integer between 2 and 64 for max_colors but received "1".');
    expect(refuses({ max_colors: '65' })).toBe('Expected integer between 2 and 64 for max_colors but received "65".');
    expect(refuses({ max_colors: ' ' })).toBe('Expected integer between 2 and 64 for max_colors but received " ".');
    expect(refuses({ max_colors: '3.5' })).toMatch(/for max_colors/);
    expect(accepts({ precision: '0' }).precision).toBe(0);
  });

  it('numbers: both ends accepted, past them, blanks, NaN and infinities refused', () => {
    expect(accepts({ quality: '0.5' }).quality).toBe(0.5);
    expect(accepts({ quality: '0.999' }).quality).toBe(0.999);
    for (const bad of ['0.4999', '1', ' ', 'NaN', 'Infinity', '-Infinity', '0.9x']) {
      expect(refuses({ quality: bad })).toBe(`Expected number between 0.5 and 0.999 for quality but received ${JSON.stringify(bad)}.`);
    }
    expect(parseExportOptions({ dpi: '1' }).dpi).toBe(1);
    expect(parseExportOptions({ dpi: '2400' }).dpi).toBe(2400);
    expect(() => parseExportOptions({ dpi: '2400.5' })).toThrow('Expected number between 1 and 2400 for dpi but received "2400.5".');
  });

  it('auto or a number: auto in any case and spacing, both ends of the range, nothing past them', () => {
    for (const auto of ['auto', 'AUTO', ' Auto ']) expect(accepts({ stroke_width: auto }).strokeWidth).toBe('auto');
    expect(accepts({ stroke_width: '0.1' }).strokeWidth).toBe(0.1);
    expect(accepts({ stroke_width: '100' }).strokeWidth).toBe(100);
    for (const bad of ['0.09', '100.01', ' ', 'NaN', 'Infinity']) {
      expect(refuses({ stroke_width: bad })).toBe(`Expected auto or a number between 0.1 and 100 for stroke_width but received ${JSON.stringify(bad)}.`);
    }
  });

  it('colours: #rgb, #rrggbb, without # and with spaces; auto in any case; anything else refused', () => {
    expect(accepts({ stroke_color: '#0f8' }).strokeColor).toEqual({ r: 0, g: 255, b: 136 });
    expect(accepts({ stroke_color: ' 12AbEf ' }).strokeColor).toEqual({ r: 0x12, g: 0xab, b: 0xef });
    expect(accepts({ stroke_color: ' AUTO ' }).strokeColor).toBe('auto');
    for (const bad of ['#12', '#1234', '#12345g', 'x#123456', '#1234567']) {
      expect(refuses({ stroke_color: bad })).toBe(`Expected auto or a colour like #rrggbb for stroke_color but received ${JSON.stringify(bad)}.`);
    }
  });

  it('booleans: every spelling the README gives, in any case and spacing; nothing else', () => {
    for (const yes of ['true', '1', 'yes', 'on', ' TRUE ', 'On']) expect(accepts({ gap_filler: yes }).gapFiller).toBe(true);
    for (const no of ['false', '0', 'no', 'off', ' FALSE ', 'Off']) expect(accepts({ gap_filler: no }).gapFiller).toBe(false);
    for (const bad of ['', 'y', 'n', '2', 'truefalse']) expect(refuses({ gap_filler: bad })).toBe(`Expected true or false for gap_filler but received ${JSON.stringify(bad)}.`);
  });

  it('palettes: commas or semicolons, empty entries skipped, up to 64 colours, one arrow at most', () => {
    expect(accepts({ palette: ';#f00;;, #0f0 ,' }).palette).toEqual([{ r: 255, g: 0, b: 0 }, { r: 0, g: 255, b: 0 }]);
    expect(accepts({ palette: '#fff -> TRANSPARENT' }).palette).toEqual([{ r: 255, g: 255, b: 255, to: 'transparent' }]);
    expect(accepts({ palette: Array(64).fill('#000').join(',') }).palette).toHaveLength(64);
    expect(refuses({ palette: ' ; , ' })).toMatch(/^Expected up to 64 colours like .* for palette but received " ; , "\.$/);
    expect(refuses({ palette: '#f00->#0f0->#00f' })).toMatch(/for palette but received "#f00->#0f0->#00f"\.$/);
    expect(refuses({ palette: '->#0f0' })).toMatch(/for palette but received "->#0f0"\.$/);
  });

  it('the cache key tells a colour mapped to transparent from one mapped to a colour, and keeps every entry', () => {
    const key = (palette: string) => canonicalOptions(parseOptions({ palette }));
    expect(key('#f00->transparent')).toContain('palette=#ff0000->transparent');
    expect(key('#f00->#000')).toContain('palette=#ff0000->#000000');
    expect(key('#f00,#0f0')).toContain('palette=#ff0000,#00ff00;');
    expect(key('#f00')).not.toBe(key('#f00->transparent'));
  });

  it('tier arrives as a number, auto as auto', () => {
    expect(accepts({ tier: '3' }).tier).toBe(3);
    expect(accepts({ tier: 'auto' }).tier).toBe('auto');
    expect(accepts({}).tier).toBe('auto');
  });

  it('one value per option, as text: repeated or structured values are refused by name', () => {
    expect(refuses({ max_colors: ['3', '4'] })).toBe('Expected a single value for max_colors but received "3,4".');
    expect(refuses({ max_colors: 4 })).toBe('Expected a plain value for max_colors but received "4".');
    expect(refuses({ palette: { a: 1 } })).toBe('Expected a plain value for palette but received "{\\"a\\":1}".');
  });

  it('a long bad value is cut at 40 characters in the message', () => {
    const long = 'x'.repeat(60);
    expect(refuses({ stacking: long })).toBe(`Expected one of stacked|cutout for stacking but received "${'x'.repeat(39)}….`);
    expect(refuses({ [long]: '1' })).toMatch(new RegExp(`as option name but received "${'x'.repeat(39)}…\\.$`));
  });
});

describe('each option changes the output as it says', () => {
  it('palette: only its colours are drawn, and a colour mapped to transparent is left out', async () => {
    const plain = await convert('logo-4c');
    const pal = await convert('logo-4c', { palette: '#ffffff,#d62828,#1d3557,#f4a261' });
    expect([...fills(pal.svg)].every((f) => ['#fff', '#d62828', '#1d3557', '#f4a261'].includes(f!))).toBe(true);
    const dropped = await convert('logo-4c', { palette: '#ffffff->transparent,#d62828,#1d3557,#f4a261' });
    expect(fills(dropped.svg).has('#fff')).toBe(false);
    const px = new Resvg(dropped.svg).render().pixels;
    expect(px[3]).toBe(0); // the white corner is now transparent
    const remapped = await convert('logo-4c', { palette: '#ffffff,#d62828->#000000,#1d3557,#f4a261' });
    expect(fills(remapped.svg).has('#000')).toBe(true);
    expect(remapped.ssim).toBeLessThan(plain.ssim); // scored against the source, honestly
  });

  it('max_colors caps the colours of every engine', async () => {
    for (const engine of ['potrace', 'vtracer', 'imagetracer']) {
      const r = await convert('flat-art', { engine, max_colors: '4' });
      expect(fills(r.svg).size, engine).toBeLessThanOrEqual(4);
    }
  });

  it('min_area drops small shapes', async () => {
    const all = await convert('flat-art', { min_area: '0' });
    const big = await convert('flat-art', { min_area: '2000' });
    expect(paths(big.svg)).toBeLessThan(paths(all.svg));
    expect(big.bytes).toBeLessThan(all.bytes);
  });

  it('stacking: cutout shapes do not overlap and get the gap filler; stacked ones need none', async () => {
    for (const engine of ['potrace', 'vtracer']) {
      const stacked = await convert('logo-4c', { engine, stacking: 'stacked' });
      const cutout = await convert('logo-4c', { engine, stacking: 'cutout' });
      expect(cutout.svg, engine).not.toBe(stacked.svg);
      expect(stacked.svg).not.toContain('stroke=');
      expect(cutout.svg).toContain('stroke-width=');
      expect(cutout.targetMet).toBe(true);
    }
  });

  it('stacking=cutout without the gap filler: no pixel is covered by two shapes; stacked shapes overlap', async () => {
    for (const engine of ['potrace', 'vtracer']) {
      const cutout = await convert('logo-4c', { engine, stacking: 'cutout', gap_filler: 'false' });
      const stacked = await convert('logo-4c', { engine, stacking: 'stacked', gap_filler: 'false' });
      expect(cutout.svg).not.toContain('stroke=');
      expect(stacked.svg).not.toContain('stroke=');
      // Anti-aliased edges of neighbours share a pixel (their coverage adds up to about one);
      // only triple points may add a little more.
      expect(overlapShare(cutout.svg), `${engine} cutout`).toBeLessThan(0.002);
      expect(overlapShare(stacked.svg), `${engine} stacked`).toBeGreaterThan(0.05);
    }
  });

  it('gap_filler: strokes on or off whatever the stacking', async () => {
    const off = await convert('logo-4c', { stacking: 'cutout', gap_filler: 'false' });
    const on = await convert('logo-4c', { stacking: 'stacked', gap_filler: 'true' });
    expect(off.svg).not.toContain('stroke=');
    expect(on.svg).toContain('stroke-width=');
  });

  it('precision: decimals of the path coordinates', async () => {
    const p0 = await convert('flat-art', { engine: 'potrace', precision: '0' });
    const p3 = await convert('flat-art', { engine: 'potrace', precision: '3' });
    const data = (svg: string) => [...svg.matchAll(/ d="([^"]*)"/g)].map((m) => m[1]).join(' ');
    expect(data(p0.svg)).not.toMatch(/\./);
    expect(p3.bytes).toBeGreaterThan(p0.bytes);
    expect(Math.abs(p3.ssim - p0.ssim)).toBeLessThan(0.02);
  });
});
