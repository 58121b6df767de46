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
  /** 'auto': smooth regions may be filled with fitted gradients, glows blurred; 'off': flat fills only. */
  gradients?: 'auto' | 'off';
  /** 'auto': regions a circle, ellipse or rectangle fits are written as that primitive; 'off': paths only. */
  shapes?: 'auto' | 'off';
  /** 'fill': filled shapes; 'stroke': every outline as a stroke; 'centerline': single strokes along the ink. */
  drawStyle?: DrawStyle;
  /** Stroke width in source pixels for stroke and centerline drawing; 'auto' measures it from the ink. */
  strokeWidth?: number | 'auto';
  /** Stroke colour for centerline drawing; 'auto' keeps each ink's own colour. */
  strokeColor?: Rgb | 'auto';
}

export type DrawStyle = 'fill' | 'stroke' | 'centerline';
export type ExportFormat = 'svg' | 'svgz' | 'pdf' | 'eps' | 'dxf' | 'png';
export type SizeUnit = 'px' | 'pt' | 'in' | 'cm' | 'mm';

/**
 * How a scored vector result is written out: format, size and grouping. None of these changes what
 * was traced, so a stored result can be exported again in another format or size without tracing.
 */
export interface ExportOptions {
  /** Undefined: chosen from the Accept header, else SVG. */
  format?: ExportFormat;
  /** Output width in `unit`; undefined keeps the source's size (or follows `height`, keeping the aspect). */
  width?: number;
  /** Output height in `unit`; undefined keeps the aspect. */
  height?: number;
  unit: SizeUnit;
  /** Pixels per inch, for px <-> physical units and for PNG. */
  dpi: number;
  groupBy: 'none' | 'color';
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** One palette entry: the colour to match and what it becomes (itself when `to` is absent). */
export interface PaletteEntry extends Rgb {
  to?: Rgb | 'transparent';
}

/** Most entries a palette may have. */
export const MAX_PALETTE = 64;

export const DEFAULT_OPTIONS: ConvertOptions = { tier: 'auto', engine: 'auto' };
export const DEFAULT_EXPORT: ExportOptions = { unit: 'px', dpi: 96, groupBy: 'none' };

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

function hexColour(text: string): Rgb | undefined {
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

/** What an option's value may be; the parser, the CLI and the API description all read this. */
export type OptionType =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'number-or-auto'; min: number; max: number }
  | { kind: 'colour-or-auto' }
  | { kind: 'boolean' }
  | { kind: 'palette' };

/**
 * One option as callers send it. `scope` says where it acts: 'trace' options change what is traced
 * or drawn (so they are part of the cache key and the score), 'export' options only change how a
 * scored result is written out (so re-exporting a stored result never traces again).
 */
export interface OptionSpec {
  readonly name: string;
  readonly key: keyof ConvertOptions | keyof ExportOptions;
  readonly scope: 'trace' | 'export';
  readonly type: OptionType;
  /** The default as a caller would write it, or a sentence where it depends on the image. */
  readonly default: string;
  readonly description: string;
}

/**
 * Every option of the API, in the order they are documented. Validation, the cache key, the CLI's
 * flags and the OpenAPI description are all generated from this table, so they cannot drift apart.
 */
export const OPTION_SPECS: readonly OptionSpec[] = [
  { name: 'tier', key: 'tier', scope: 'trace', type: { kind: 'enum', values: ['auto', '1', '2', '3'] }, default: 'auto', description: "Skip the classifier and use this tier's strategy." },
  { name: 'engine', key: 'engine', scope: 'trace', type: { kind: 'enum', values: ['auto', 'potrace', 'imagetracer', 'vtracer'] }, default: 'auto', description: 'Only use this engine.' },
  { name: 'quality', key: 'quality', scope: 'trace', type: { kind: 'number', min: 0.5, max: 0.999 }, default: "the tier's target", description: 'SSIM to reach; the search stops once it is met.' },
  { name: 'time_budget_ms', key: 'timeBudgetMs', scope: 'trace', type: { kind: 'integer', min: 50, max: 600000 }, default: '500 / 1250 / 3750 per tier', description: "How long the strategy may search for a smaller candidate. Left unset, a search still short of the target may go on within the tier's time; set, it bounds that too (the tier's hard deadline always applies)." },
  { name: 'max_colors', key: 'maxColors', scope: 'trace', type: { kind: 'integer', min: 2, max: 64 }, default: 'from the image', description: 'Colour limit, every engine.' },
  { name: 'palette', key: 'palette', scope: 'trace', type: { kind: 'palette' }, default: 'none', description: `Up to ${MAX_PALETTE} colours like "#f00,#00ff00->transparent,#123456->#000": every pixel takes its nearest palette colour (Oklab); "->" remaps an entry to another colour or to transparent; overrides max_colors.` },
  { name: 'min_area', key: 'minArea', scope: 'trace', type: { kind: 'integer', min: 0, max: 1_000_000 }, default: 'per strategy', description: 'Shapes smaller than this many source pixels are dropped.' },
  { name: 'stacking', key: 'stacking', scope: 'trace', type: { kind: 'enum', values: ['stacked', 'cutout'] }, default: 'stacked', description: 'stacked: shapes lie on an underlay, no seams; cutout: shapes tile the image without overlapping.' },
  { name: 'gap_filler', key: 'gapFiller', scope: 'trace', type: { kind: 'boolean' }, default: 'on with cutout', description: 'Strokes each shape in its own colour (1 source pixel) to close anti-aliasing gaps.' },
  { name: 'precision', key: 'precision', scope: 'trace', type: { kind: 'integer', min: 0, max: 3 }, default: '1', description: 'Decimals of path coordinates (in trace pixels); written as integers on a finer viewBox where that is shorter. Centerline strokes: half a pixel unless given.' },
  { name: 'gradients', key: 'gradients', scope: 'trace', type: { kind: 'enum', values: ['auto', 'off'] }, default: 'auto', description: 'auto: smooth regions may be drawn with fitted linear or radial gradients, and a glow around a transparent image as a blurred silhouette; off: flat fills only, no blur.' },
  { name: 'shapes', key: 'shapes', scope: 'trace', type: { kind: 'enum', values: ['auto', 'off'] }, default: 'auto', description: 'auto: regions a circle, ellipse or rectangle fits are written as that primitive (tiers 1 and 2; shading in tier 3 never is one); off: paths only.' },
  { name: 'draw_style', key: 'drawStyle', scope: 'trace', type: { kind: 'enum', values: ['fill', 'stroke', 'centerline'] }, default: 'fill', description: 'fill: filled shapes; stroke: every shape outline as a stroke, no fill (for cutters); centerline: single strokes along the middle of each drawn line (for plotters and lasers).' },
  { name: 'stroke_width', key: 'strokeWidth', scope: 'trace', type: { kind: 'number-or-auto', min: 0.1, max: 100 }, default: 'auto', description: 'Stroke width in source pixels for stroke and centerline drawing; auto measures it from the ink.' },
  { name: 'stroke_color', key: 'strokeColor', scope: 'trace', type: { kind: 'colour-or-auto' }, default: 'auto', description: "Stroke colour for centerline drawing (#rgb or #rrggbb); auto keeps each ink's colour." },
  { name: 'format', key: 'format', scope: 'export', type: { kind: 'enum', values: ['svg', 'svgz', 'pdf', 'eps', 'dxf', 'png'] }, default: 'svg (or from Accept)', description: 'Output format.' },
  { name: 'width', key: 'width', scope: 'export', type: { kind: 'number', min: 0.01, max: 100000 }, default: "the source's size", description: 'Output width in unit; alone it keeps the aspect.' },
  { name: 'height', key: 'height', scope: 'export', type: { kind: 'number', min: 0.01, max: 100000 }, default: 'keeps the aspect', description: 'Output height in unit; alone it keeps the aspect.' },
  { name: 'unit', key: 'unit', scope: 'export', type: { kind: 'enum', values: ['px', 'pt', 'in', 'cm', 'mm'] }, default: 'px', description: 'Unit of width and height.' },
  { name: 'dpi', key: 'dpi', scope: 'export', type: { kind: 'number', min: 1, max: 2400 }, default: '96', description: 'Pixels per inch, for px <-> physical units and for PNG.' },
  { name: 'group_by', key: 'groupBy', scope: 'export', type: { kind: 'enum', values: ['none', 'color'] }, default: 'none', description: 'color: one group per colour (editable by layer, smaller).' },
];

/** Request flags that are not conversion options (they change how the answer is delivered). */
const REQUEST_FLAGS = ['async'];

const KNOWN = new Set([...OPTION_SPECS.map((s) => s.name), ...REQUEST_FLAGS]);

function colourOrAuto(raw: Raw, name: string): Rgb | 'auto' | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  if (text.trim().toLowerCase() === 'auto') return 'auto';
  return hexColour(text) ?? fail('auto or a colour like #rrggbb', name, text);
}

function numberOrAuto(raw: Raw, name: string, min: number, max: number): number | 'auto' | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  if (text.trim().toLowerCase() === 'auto') return 'auto';
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) fail(`auto or a number between ${min} and ${max}`, name, text);
  return n;
}

/** One option's value, parsed and range-checked by its type; undefined when absent. */
function parseValue(raw: Raw, spec: OptionSpec): unknown {
  const t = spec.type;
  switch (t.kind) {
    case 'enum':
      return oneOf(raw, spec.name, t.values);
    case 'integer':
      return integer(raw, spec.name, t.min, t.max);
    case 'number':
      return decimal(raw, spec.name, t.min, t.max);
    case 'number-or-auto':
      return numberOrAuto(raw, spec.name, t.min, t.max);
    case 'colour-or-auto':
      return colourOrAuto(raw, spec.name);
    case 'boolean':
      return boolean(raw, spec.name);
    case 'palette':
      return palette(raw, spec.name);
  }
}

function refuseUnknown(raw: Raw, allowed: Set<string>): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) {
      throw new AppError('INVALID_OPTIONS', `Expected one of ${[...allowed].join(', ')} as option name but received ${describe(key)}.`);
    }
  }
}

/**
 * Parses caller options; unknown keys are refused so a typo never silently does nothing. Export
 * options are validated here too (one request carries both) but returned by `parseExportOptions`.
 */
export function parseOptions(raw: Raw): ConvertOptions {
  refuseUnknown(raw, KNOWN);
  const options: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const spec of OPTION_SPECS) {
    const value = parseValue(raw, spec);
    if (value === undefined || spec.scope !== 'trace') continue;
    options[spec.key] = spec.name === 'tier' ? (value === 'auto' ? 'auto' : Number(value)) : value;
  }
  return options as unknown as ConvertOptions;
}

const EXPORT_NAMES = new Set(OPTION_SPECS.filter((s) => s.scope === 'export').map((s) => s.name));

/**
 * The export options of a request. With `only`, any other option is refused (re-exporting a stored
 * result cannot change how it was traced).
 */
export function parseExportOptions(raw: Raw, { only = false }: { only?: boolean } = {}): ExportOptions {
  refuseUnknown(raw, only ? EXPORT_NAMES : KNOWN);
  const options: Record<string, unknown> = { ...DEFAULT_EXPORT };
  for (const spec of OPTION_SPECS) {
    if (spec.scope !== 'export') continue;
    const value = parseValue(raw, spec);
    if (value !== undefined) options[spec.key] = value;
  }
  return options as unknown as ExportOptions;
}

/** An option's value as text, the way a caller would send it (for the cache key and the CLI). */
function valueText(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return (value as PaletteEntry[]).map(paletteText).join(',');
  if (typeof value === 'object' && value !== null) return hex6(value as Rgb);
  return String(value);
}

/**
 * Stable text form of the trace options, for cache keys and job ids. Every trace-scope option is in
 * it by construction; export options are not, so one trace serves every format and size.
 */
export function canonicalOptions(options: ConvertOptions): string {
  return OPTION_SPECS.filter((s) => s.scope === 'trace')
    .map((s) => `${s.name}=${valueText(options[s.key as keyof ConvertOptions])}`)
    .join(';');
}

const hex6 = (c: Rgb): string => '#' + ((1 << 24) | (c.r << 16) | (c.g << 8) | c.b).toString(16).slice(1);

function paletteText(e: PaletteEntry): string {
  return hex6(e) + (e.to === undefined ? '' : '->' + (e.to === 'transparent' ? 'transparent' : hex6(e.to)));
}
