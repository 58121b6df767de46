/**
 * The same drawing with every coordinate an integer: the viewBox and all lengths multiplied by
 * 10^decimals, so "m225 41.1c-40.1 2.9" becomes "m2250 411c-401 29". Rounded to one decimal, a
 * number costs its decimal point; as an integer on a ten-times finer viewBox it does not, and
 * ".3" becomes "3". The geometry is exactly the one the decimals described (only the display size
 * stays in source pixels), so the picture and its score are unchanged: on the corpus's tier 1
 * this measured 15 % fewer bytes at the same SSIM. Drawings whose coordinates are integers already
 * (vtracer's polygons) would grow a digit per number: the shorter text is kept.
 *
 * Only elements and attributes listed here are rewritten; an SVG with anything else (another
 * transform, a pattern, a length in other units) is returned as it was.
 */
import { optimizePathData } from './optimize.js';

/** Attributes that are lengths or coordinates in user units, by element. */
const LENGTHS: Record<string, readonly string[]> = {
  svg: [],
  g: ['stroke-width'],
  defs: [],
  path: ['stroke-width'],
  rect: ['x', 'y', 'width', 'height', 'rx', 'ry', 'stroke-width'],
  circle: ['cx', 'cy', 'r', 'stroke-width'],
  ellipse: ['cx', 'cy', 'rx', 'ry', 'stroke-width'],
  linearGradient: ['x1', 'y1', 'x2', 'y2'],
  radialGradient: ['cx', 'cy', 'r', 'fx', 'fy', 'fr'],
  stop: [],
};

/** Attributes that do not depend on the scale. */
const KEPT = new Set([
  'xmlns',
  'version',
  'width', // on the root only (checked below): the display size
  'height',
  'id',
  'fill',
  'fill-rule',
  'fill-opacity',
  'stroke',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-miterlimit',
  'opacity',
  'shape-rendering',
  'preserveAspectRatio',
  'offset',
  'stop-color',
  'stop-opacity',
  'gradientUnits',
  'spreadMethod',
  'clip-rule',
]);

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g;
const ATTR = /\s([\w:-]+)="([^"]*)"/g;
const NUMBER = /^\s*-?(?:\d+\.?\d*|\.\d+)\s*$/;
const ROTATE = /^rotate\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\)$/;

/** Shortest text of `v`, at most 3 decimals (a scaled value has fewer decimals than it had). */
function num(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  if (r === 0) return '0';
  return String(r).replace(/^(-?)0\./, '$1.');
}

/** Largest number of decimals in any number of the text (at most 3). */
function decimalsOf(text: string): number {
  let max = 0;
  for (const m of text.matchAll(/\.(\d+)/g)) max = Math.max(max, m[1]!.length);
  return Math.min(3, max);
}

export interface GridSvg {
  svg: string;
  /** New user units per old one: 1 when the SVG was kept as it was. */
  factor: number;
}

/**
 * The SVG on an integer grid up to 10^`decimals` times finer than its viewBox, or the SVG itself
 * when that is not shorter or it holds anything this does not know how to scale. `decimals` is the
 * precision the path data was rounded to: path coordinates are rounded to the new grid's integers.
 */
export function toIntegerGrid(input: string, decimals: number): GridSvg {
  const kept: GridSvg = { svg: input, factor: 1 };
  const svg = input;
  if (!(decimals > 0)) return kept;
  const tags: { at: number; text: string; closing: boolean; name: string; attrs: [string, string][]; selfClosing: string }[] = [];
  TAG.lastIndex = 0;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = TAG.exec(svg))) {
    // Markup this does not read (another quoting, a comment, text with tags): leave the SVG alone.
    if (svg.slice(end, m.index).includes('<')) return kept;
    end = m.index + m[0].length;
    const attrs = [...m[3]!.matchAll(ATTR)].map((a) => [a[1]!, a[2]!] as [string, string]);
    tags.push({ at: m.index, text: m[0], closing: m[1] === '/', name: m[2]!, attrs, selfClosing: m[4]! });
  }
  if (svg.slice(end).includes('<')) return kept;
  const root = tags[0];
  if (!root || root.name !== 'svg' || !root.attrs.some(([k]) => k === 'viewBox')) return kept;
  // Only as fine as the drawing needs: coordinates with one decimal at most get a 10x grid.
  let used = 0;
  for (const tag of tags) {
    const lengths = LENGTHS[tag.name];
    for (const [k, v] of tag.attrs) if ((k === 'd' && tag.name === 'path') || lengths?.includes(k)) used = Math.max(used, decimalsOf(v));
  }
  used = Math.min(used, decimals);
  if (used === 0) return kept;
  const factor = 10 ** used;
  let out = '';
  let last = 0;
  for (const tag of tags) {
    if (tag.closing) continue;
    const lengths = LENGTHS[tag.name];
    if (!lengths) return kept;
    const isRoot = tag === root;
    if (tag.name === 'svg' && !isRoot) return kept;
    if (/Gradient$/.test(tag.name) && !tag.attrs.some(([k, v]) => k === 'gradientUnits' && v === 'userSpaceOnUse')) return kept;
    let attrs = '';
    for (const [key, value] of tag.attrs) {
      let v = value;
      if (key === 'viewBox' && isRoot) {
        const parts = v.trim().split(/[\s,]+/).map(Number);
        if (parts.length !== 4 || !parts.every(Number.isFinite)) return kept;
        v = parts.map((p) => num(p * factor)).join(' ');
      } else if (key === 'd' && tag.name === 'path') {
        // Keep whatever finer decimals a path has beyond the grid (none, from the optimiser).
        const d = optimizePathData(v, Math.max(0, decimalsOf(v) - used), 0, 0, factor);
        if (d === null) return kept;
        v = d;
      } else if (key === 'transform') {
        // Fitted ellipses and rectangles turn about their centre; any other transform is not scaled here.
        const r = ROTATE.exec(v.trim());
        if (!r) return kept;
        v = `rotate(${r[1]} ${num(Number(r[2]) * factor)} ${num(Number(r[3]) * factor)})`;
      } else if (lengths.includes(key)) {
        if (!NUMBER.test(v)) return kept;
        v = num(Number(v) * factor);
      } else if (!KEPT.has(key) || ((key === 'width' || key === 'height') && !isRoot)) {
        return kept;
      }
      attrs += ` ${key}="${v}"`;
    }
    out += svg.slice(last, tag.at) + `<${tag.name}${attrs}${tag.selfClosing}>`;
    last = tag.at + tag.text.length;
  }
  out += svg.slice(last);
  return out.length < svg.length ? { svg: out, factor } : kept;
}
