/**
 * The strokes as SVG: open paths, fill="none", round caps and joins, one group per ink colour in
 * pen order. Consecutive strokes of one width are one <path>; a stroke that starts where the one
 * before it ended continues the same subpath (no pen lift, no repeated moveto).
 */
import type { Rgb } from '../pipeline/options.js';
import { endPoint, type FittedPath } from './fit.js';
import type { PenStroke } from './order.js';

export interface InkStrokes {
  colour: Rgb;
  strokes: PenStroke[];
}

export const hex = (c: Rgb) => '#' + ((1 << 24) | (c.r << 16) | (c.g << 8) | c.b).toString(16).slice(1);

function number(v: number, precision: number): string {
  const s = v.toFixed(precision);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function pathData(path: FittedPath, precision: number, continues: boolean): string {
  const f = (v: number) => number(v, precision);
  const pt = (p: { x: number; y: number }) => `${f(p.x)} ${f(p.y)}`;
  let d = continues ? '' : `M${pt(path.start)}`;
  if (path.segments.length === 0) return d + 'h0'; // a dot: round caps draw it
  let last = '';
  for (const s of path.segments) {
    const cmd = s.kind;
    const body = s.kind === 'L' ? pt(s.to) : `${pt(s.c1)} ${pt(s.c2)} ${pt(s.to)}`;
    d += (cmd === last ? ' ' : cmd) + body;
    last = cmd;
  }
  return path.closed ? d + 'Z' : d;
}

/**
 * `width` x `height` is the traced grid (the viewBox); `size` the document's size when the image was
 * traced reduced (strokes and their widths scale with the viewBox).
 */
export function strokeSvg(
  width: number,
  height: number,
  inks: readonly InkStrokes[],
  background: Rgb | undefined,
  precision: number,
  size: { width: number; height: number } = { width, height },
): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${width} ${height}">`);
  // A coloured sheet is part of the picture; white paper (or none) is left to the medium.
  if (background && Math.hypot(255 - background.r, 255 - background.g, 255 - background.b) > 12) {
    parts.push(`<rect id="background" width="${width}" height="${height}" fill="${hex(background)}"/>`);
  }
  for (const ink of inks) {
    if (ink.strokes.length === 0) continue;
    parts.push(`<g fill="none" stroke="${hex(ink.colour)}" stroke-linecap="round" stroke-linejoin="round">`);
    let run: string[] = [];
    let runWidth = NaN;
    let at: { x: number; y: number } | undefined;
    const flush = () => {
      if (run.length > 0) parts.push(`<path stroke-width="${number(runWidth, 2)}" d="${run.join('')}"/>`);
      run = [];
    };
    for (const s of ink.strokes) {
      if (s.width !== runWidth) {
        flush();
        runWidth = s.width;
        at = undefined;
      }
      const continues = at !== undefined && !s.path.closed && Math.hypot(at.x - s.path.start.x, at.y - s.path.start.y) < 1e-9;
      run.push(pathData(s.path, precision, continues));
      at = s.path.closed ? undefined : endPoint(s.path);
    }
    flush();
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}
