/**
 * The strokes as SVG: open paths, fill="none", round caps and joins, one group per ink colour in
 * pen order, carrying the ink's paint and its commonest width once. Consecutive strokes of one
 * width are one <path>; a stroke that starts where the one before it ended continues the same
 * subpath (no pen lift, no repeated moveto).
 *
 * Path data is written as small as it reads back: every point rounded to the grid first (an
 * integer number of 1/`grid` pixels, on a viewBox `grid` times the image's size, so no number needs
 * a decimal point) and written relative to the previous rounded point (so rounding never
 * accumulates), horizontal and vertical lines as h and v, a cubic whose first control point
 * mirrors the last one's as s, and repeated commands and separators left out.
 */
import type { Rgb } from '../pipeline/options.js';
import type { FittedPath } from './fit.js';
import type { PenStroke } from './order.js';

export interface InkStrokes {
  colour: Rgb;
  strokes: PenStroke[];
}

export const hex = (c: Rgb) => '#' + ((1 << 24) | (c.r << 16) | (c.g << 8) | c.b).toString(16).slice(1);

/** #rrggbb as #rgb where each channel is a doubled digit. */
export function shortHex(c: Rgb): string {
  const h = hex(c);
  return h[1] === h[2] && h[3] === h[4] && h[5] === h[6] ? `#${h[1]}${h[3]}${h[5]}` : h;
}

/** A number at `precision` decimals with no trailing zeros and no leading zero (".5", "-.5"). */
export function formatNumber(v: number, precision: number): string {
  let s = v.toFixed(precision);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') return '0';
  return s.replace(/^(-?)0\./, '$1.');
}

/** Writes one <path>'s data on a grid of `grid` user units per pixel: every coordinate an integer. */
class PathData {
  private d = '';
  private last = '';
  /** The current point, and the last cubic's second control point (for s), in units. */
  private at: [number, number] = [0, 0];
  private control: [number, number] | undefined;

  constructor(private readonly grid: number) {}

  units(p: { x: number; y: number }): [number, number] {
    return [Math.round(p.x * this.grid), Math.round(p.y * this.grid)];
  }

  get current(): [number, number] {
    return this.at;
  }

  private command(cmd: string, ...values: number[]): void {
    let afterLetter = false;
    if (cmd !== this.last || values.length === 0) {
      this.d += cmd;
      this.last = cmd;
      afterLetter = true;
    }
    for (const v of values) {
      // A separator only where the number would otherwise run into the one before it.
      if (!afterLetter && v >= 0) this.d += ' ';
      this.d += v === 0 ? '0' : String(v);
      afterLetter = false;
    }
  }

  move(to: [number, number]): void {
    this.command('m', to[0] - this.at[0], to[1] - this.at[1]);
    // Coordinates after a moveto are implicit linetos.
    this.last = 'l';
    this.at = to;
    this.control = undefined;
  }

  line(to: [number, number]): void {
    const dx = to[0] - this.at[0];
    const dy = to[1] - this.at[1];
    if (dy === 0) this.command('h', dx);
    else if (dx === 0) this.command('v', dy);
    else this.command('l', dx, dy);
    this.at = to;
    this.control = undefined;
  }

  curve(c1: [number, number], c2: [number, number], to: [number, number]): void {
    const [x, y] = this.at;
    const mirrored = this.control && c1[0] === 2 * x - this.control[0] && c1[1] === 2 * y - this.control[1];
    if (mirrored) this.command('s', c2[0] - x, c2[1] - y, to[0] - x, to[1] - y);
    else this.command('c', c1[0] - x, c1[1] - y, c2[0] - x, c2[1] - y, to[0] - x, to[1] - y);
    this.at = to;
    this.control = c2;
  }

  close(start: [number, number]): void {
    this.command('z');
    this.at = start;
    this.control = undefined;
  }

  dot(): void {
    this.command('h', 0);
  }

  get text(): string {
    return this.d;
  }
}

/** Appends `path` to `out`; `continues` when it starts where the pen already is. */
function writeStroke(out: PathData, path: FittedPath, continues: boolean): void {
  const start = out.units(path.start);
  if (!continues || start[0] !== out.current[0] || start[1] !== out.current[1]) out.move(start);
  if (path.segments.length === 0) {
    out.dot(); // a dot: round caps draw it
    return;
  }
  let drawn = false;
  path.segments.forEach((s, i) => {
    const to = out.units(s.to);
    if (s.kind === 'L') {
      // A line that rounds to nothing is left out, unless it is all there is; so is a closed path's last line home (z draws it).
      if (to[0] === out.current[0] && to[1] === out.current[1] && (drawn || i < path.segments.length - 1)) return;
      if (path.closed && drawn && i === path.segments.length - 1 && to[0] === start[0] && to[1] === start[1]) return;
      out.line(to);
    } else {
      out.curve(out.units(s.c1), out.units(s.c2), to);
    }
    drawn = true;
  });
  if (path.closed) out.close(start);
}

/** The width most of an ink's strokes have (by count), written once on its group. */
function commonWidth(strokes: readonly PenStroke[]): number {
  const count = new Map<number, number>();
  for (const s of strokes) count.set(s.width, (count.get(s.width) ?? 0) + 1);
  let best = strokes[0]!.width;
  for (const [w, n] of count) if (n > count.get(best)!) best = w;
  return best;
}

/**
 * `width` x `height` is the traced image; the viewBox is `grid` times finer, so every coordinate is
 * an integer. `size` is the document's size (the traced image's, or the source's when it was traced
 * reduced): strokes and their widths scale with the viewBox.
 */
export function strokeSvg(
  width: number,
  height: number,
  inks: readonly InkStrokes[],
  background: Rgb | undefined,
  grid: number,
  size: { width: number; height: number } = { width, height },
): string {
  const parts: string[] = [];
  const u = (v: number) => formatNumber(v * grid, 2);
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${u(width)} ${u(height)}">`);
  // A coloured sheet is part of the picture; white paper (or none) is left to the medium.
  if (background && isSheet(background)) {
    parts.push(`<rect id="background" width="${u(width)}" height="${u(height)}" fill="${shortHex(background)}"/>`);
  }
  for (const ink of inks) {
    if (ink.strokes.length === 0) continue;
    const groupWidth = commonWidth(ink.strokes);
    parts.push(`<g fill="none" stroke="${shortHex(ink.colour)}" stroke-linecap="round" stroke-linejoin="round" stroke-width="${u(groupWidth)}">`);
    let run: PathData | undefined;
    let runWidth = NaN;
    let open = false;
    const flush = () => {
      if (run) parts.push(`<path${runWidth === groupWidth ? '' : ` stroke-width="${u(runWidth)}"`} d="${run.text}"/>`);
      run = undefined;
    };
    for (const s of ink.strokes) {
      if (s.width !== runWidth) {
        flush();
        runWidth = s.width;
      }
      const continues = run !== undefined && open && !s.path.closed;
      run ??= new PathData(grid);
      writeStroke(run, s.path, continues);
      open = !s.path.closed && s.path.segments.length > 0;
    }
    flush();
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Whether a background colour is a coloured sheet to draw rather than white paper. */
export const isSheet = (background: Rgb) => Math.hypot(255 - background.r, 255 - background.g, 255 - background.b) > 12;
