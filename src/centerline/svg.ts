/**
 * The strokes as SVG: open paths, fill="none", round caps and joins, one group per ink colour in
 * pen order, carrying the ink's paint and its commonest width once. Consecutive strokes of one
 * width are one <path>; a stroke that starts where the one before it ended continues the same
 * subpath (no pen lift, no repeated moveto).
 *
 * Path data is written as small as it reads back: every point rounded to the grid first (an
 * integer number of 1/`grid` pixels, on a viewBox `grid` times the image's size, so no number needs
 * a decimal point) and written relative to the previous rounded point (so rounding never
 * accumulates), horizontal and vertical lines as h and v, a cubic that a quadratic draws within a
 * quarter pixel as q (t where its control point mirrors the last one's), a cubic whose first
 * control point mirrors the last one's within what moves the curve a quarter pixel as s, and
 * repeated commands and separators left out.
 */
import type { Rgb } from '../pipeline/options.js';
import type { FittedPath } from './fit.js';
import type { Point } from './graph.js';
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

/**
 * How far (px) a written curve may lie from the fitted one where a shorter command draws it that
 * closely: a quarter pixel, what the half-pixel grid may move a point by, and a fifth of the fit's
 * own 1.25 px.
 */
const STRAY = 0.25;
/** The largest |t(1-t)(1-2t)| on [0, 1]: how far a cubic lies from the quadratic, per unit of its two handles' disagreement. */
const QUADRATIC_STRAY = 0.0962;

/** Writes one <path>'s data on a grid of `grid` user units per pixel: every coordinate an integer. */
class PathData {
  private d = '';
  private last = '';
  /** The current point, and the last cubic's second control point (for s), in units. */
  private at: [number, number] = [0, 0];
  private control: [number, number] | undefined;
  /** The last quadratic's control point (for t), in units. */
  private quadratic: [number, number] | undefined;

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
    this.quadratic = undefined;
  }

  line(to: [number, number]): void {
    const dx = to[0] - this.at[0];
    const dy = to[1] - this.at[1];
    if (dy === 0) this.command('h', dx);
    else if (dx === 0) this.command('v', dy);
    else this.command('l', dx, dy);
    this.at = to;
    this.control = undefined;
    this.quadratic = undefined;
  }

  /**
   * A cubic from the current point, its control points `c1`, `c2` in pixels (unrounded). Written
   * as q (or t) when a quadratic draws it within STRAY, else as s when its first handle mirrors
   * the last one's within what moves the curve by STRAY, else as c.
   */
  curve(c1: Point, c2: Point, to: [number, number]): void {
    const g = this.grid;
    const [x, y] = this.at;
    // The quadratic's control point each handle implies; the cubic is that quadratic when they agree.
    const q1 = { x: (3 * c1.x - x / g) / 2, y: (3 * c1.y - y / g) / 2 };
    const q2 = { x: (3 * c2.x - to[0] / g) / 2, y: (3 * c2.y - to[1] / g) / 2 };
    if (QUADRATIC_STRAY * Math.hypot(q1.x - q2.x, q1.y - q2.y) <= STRAY) {
      const q: [number, number] = [Math.round(((q1.x + q2.x) / 2) * g), Math.round(((q1.y + q2.y) / 2) * g)];
      const smooth = this.quadratic && q[0] === 2 * x - this.quadratic[0] && q[1] === 2 * y - this.quadratic[1];
      if (smooth) this.command('t', to[0] - x, to[1] - y);
      else this.command('q', q[0] - x, q[1] - y, to[0] - x, to[1] - y);
      this.at = to;
      this.control = undefined;
      this.quadratic = q;
      return;
    }
    let k1 = this.units(c1);
    const k2 = this.units(c2);
    const mirror = this.control && ([2 * x - this.control[0], 2 * y - this.control[1]] as [number, number]);
    // Moving a first handle by d moves the curve by at most 4/9 d.
    if (mirror && (4 / 9) * Math.hypot(mirror[0] / g - c1.x, mirror[1] / g - c1.y) <= STRAY) k1 = mirror;
    if (mirror && k1[0] === mirror[0] && k1[1] === mirror[1]) this.command('s', k2[0] - x, k2[1] - y, to[0] - x, to[1] - y);
    else this.command('c', k1[0] - x, k1[1] - y, k2[0] - x, k2[1] - y, to[0] - x, to[1] - y);
    this.at = to;
    this.control = k2;
    this.quadratic = undefined;
  }

  close(start: [number, number]): void {
    this.command('z');
    this.at = start;
    this.control = undefined;
    this.quadratic = undefined;
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
      out.curve(s.c1, s.c2, to);
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
