/**
 * Conversion options as callers send them (query string or form fields, all strings), parsed into a
 * typed object. Every message has one shape: "Expected <what> for <name> but received <value>".
 * Options choose how to trace; none of them can raise a service limit.
 */
import { AppError } from '../errors/app-error.js';

export type TierChoice = 'auto' | 1 | 2 | 3;
export type EngineChoice = 'auto' | 'potrace' | 'imagetracer' | 'vtracer';

export interface ConvertOptions {
  tier: TierChoice;
  engine: EngineChoice;
  /** Target SSIM; undefined = the tier's target. */
  quality?: number;
  /** Search budget for the tier strategy, capped by the tier's hard deadline. */
  timeBudgetMs?: number;
  maxColors?: number;
  /** Fixed palette: every opaque pixel takes its nearest entry's colour (or becomes transparent). */
  palette?: PaletteEntry[];
  /** Shapes smaller than this many source pixels are dropped. */
  minArea?: number;
  /** 'stacked': shapes sit on an underlay of the shapes below (no seams); 'cutout': shapes tile the image. */
  stacking?: 'stacked' | 'cutout';
  /** Stroke each shape in its own colour to close anti-aliasing gaps (default: on for cutout, off for stacked). */
  gapFiller?: boolean;
  /** Decimals of path coordinates, 0-3 (default 1). */
  precision?: number;
}

/** One palette entry: the colour to match and what it becomes (itself when `to` is absent). */
export interface PaletteEntry {
  r: number;
  g: number;
  b: number;
  to?: { r: number; g: number; b: number } | 'transparent';
}

/** Most entries a palette may have. */
export const MAX_PALETTE = 64;

export const DEFAULT_OPTIONS: ConvertOptions = { tier: 'auto', engine: 'auto' };

type Raw = Record<string, unknown>;

const describe = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

const fail = (expected: string, name: string, value: unknown): never => {
  throw new AppError('INVALID_OPTIONS', `Expected ${expected} for ${name} but received ${describe(value)}.`);
};

function single(raw: Raw, name: string): string | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) fail('a single value', name, value.join(','));
  if (typeof value !== 'string') fail('a plain value', name, JSON.stringify(value));
  return value as string;
}

function integer(raw: Raw, name: string, min: number, max: number): number | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) fail(`integer between ${min} and ${max}`, name, text);
  return n;
}

function decimal(raw: Raw, name: string, min: number, max: number): number | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) fail(`number between ${min} and ${max}`, name, text);
  return n;
}

function oneOf<T extends string>(raw: Raw, name: string, allowed: readonly T[]): T | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) fail(`one of ${allowed.join('|')}`, name, text);
  return text as T;
}

function hexColour(text: string): { r: number; g: number; b: number } | undefined {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  if (!m) return undefined;
  let h = m[1]!;
  if (h.length === 3) h = h.replace(/./g, (c) => c + c);
  const v = parseInt(h, 16);
  return { r: v >> 16, g: (v >> 8) & 255, b: v & 255 };
}

const PALETTE_EXPECTED = `up to ${MAX_PALETTE} colours like "#ff0000,#fff,#00ff00->transparent,#123456->#000000"`;

/**
 * `palette`: comma- or semicolon-separated entries `#rrggbb` (or `#rgb`), each optionally mapped
 * with `->` to another colour or to `transparent`.
 */
function palette(raw: Raw, name: string): PaletteEntry[] | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  const parts = text.split(/[;,]/).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0 || parts.length > MAX_PALETTE) fail(PALETTE_EXPECTED, name, text);
  return parts.map((part) => {
    const [from, to, extra] = part.split('->').map((p) => p.trim());
    const colour = hexColour(from ?? '');
    if (!colour || extra !== undefined) return fail(PALETTE_EXPECTED, name, part);
    if (to === undefined) return colour;
    if (to.toLowerCase() === 'transparent') return { ...colour, to: 'transparent' as const };
    const target = hexColour(to);
    if (!target) return fail(PALETTE_EXPECTED, name, part);
    return { ...colour, to: target };
  });
}

function boolean(raw: Raw, name: string): boolean | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  return fail('true or false', name, text);
}

const KNOWN = new Set([
  'tier',
  'engine',
  'quality',
  'time_budget_ms',
  'max_colors',
  'palette',
  'min_area',
  'stacking',
  'gap_filler',
  'precision',
  'async',
]);

/** Parses caller options; unknown keys are refused so a typo never silently does nothing. */
export function parseOptions(raw: Raw): ConvertOptions {
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) {
      throw new AppError(
        'INVALID_OPTIONS',
        `Expected one of ${[...KNOWN].join(', ')} as option name but received ${describe(key)}.`,
      );
    }
  }
  const tier = oneOf(raw, 'tier', ['auto', '1', '2', '3'] as const);
  const options: ConvertOptions = {
    tier: tier === undefined || tier === 'auto' ? 'auto' : (Number(tier) as 1 | 2 | 3),
    engine: oneOf(raw, 'engine', ['auto', 'potrace', 'imagetracer', 'vtracer'] as const) ?? 'auto',
  };
  const quality = decimal(raw, 'quality', 0.5, 0.999);
  if (quality !== undefined) options.quality = quality;
  const budget = integer(raw, 'time_budget_ms', 50, 600000);
  if (budget !== undefined) options.timeBudgetMs = budget;
  const maxColors = integer(raw, 'max_colors', 2, 64);
  if (maxColors !== undefined) options.maxColors = maxColors;
  const pal = palette(raw, 'palette');
  if (pal !== undefined) options.palette = pal;
  const minArea = integer(raw, 'min_area', 0, 1_000_000);
  if (minArea !== undefined) options.minArea = minArea;
  const stacking = oneOf(raw, 'stacking', ['stacked', 'cutout'] as const);
  if (stacking !== undefined) options.stacking = stacking;
  const gapFiller = boolean(raw, 'gap_filler');
  if (gapFiller !== undefined) options.gapFiller = gapFiller;
  const precision = integer(raw, 'precision', 0, 3);
  if (precision !== undefined) options.precision = precision;
  return options;
}

/** Stable text form of the options, for cache keys and job ids. */
export function canonicalOptions(options: ConvertOptions): string {
  return [
    `t=${options.tier}`,
    `e=${options.engine}`,
    `q=${options.quality ?? ''}`,
    `b=${options.timeBudgetMs ?? ''}`,
    `c=${options.maxColors ?? ''}`,
    `p=${(options.palette ?? []).map(paletteText).join(',')}`,
    `a=${options.minArea ?? ''}`,
    `s=${options.stacking ?? ''}`,
    `g=${options.gapFiller ?? ''}`,
    `d=${options.precision ?? ''}`,
  ].join(';');
}

const hex6 = (c: { r: number; g: number; b: number }) => '#' + ((1 << 24) | (c.r << 16) | (c.g << 8) | c.b).toString(16).slice(1);

function paletteText(e: PaletteEntry): string {
  return hex6(e) + (e.to === undefined ? '' : '->' + (e.to === 'transparent' ? 'transparent' : hex6(e.to)));
}
