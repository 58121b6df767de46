/**
 * SVG byte savings. `optimizeSvg` without options changes no rendered pixel that anyone could see:
 * no comments, no XML prolog, no whitespace between tags, no default attributes, path data
 * rewritten relative with the shortest number forms, translate() folded into the coordinates,
 * straight cubics (vtracer writes every straight segment as one) written as lines, collinear
 * line runs merged, #rrggbb shortened. With `precision`, coordinates are also rounded to that
 * many decimals (in the SVG's own user units): a measured, scored trade of bytes for accuracy.
 */

import { srgb8ToOklab } from '../color/oklab.js';

export interface OptimizeOptions {
  /**
   * Decimals kept in path coordinates (0-3). Unset: each path keeps the decimals it has, so the
   * rewrite is exact apart from curves that deviate from a straight line by under 0.02 units.
   */
  precision?: number;
}

export function optimizeSvg(svg: string, options: OptimizeOptions = {}): string {
  return svg
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/>\s+</g, '><')
    .replace(/\s+(stroke="none"|fill-opacity="1"|opacity="1"|stroke-width="0")/g, '')
    .replace(/\s+version="1\.1"/, '')
    .replace(/<path\b[^>]*>/g, (tag) => rewritePathTag(tag, options.precision))
    .replace(/(fill|stroke|stop-color)="#([0-9a-fA-F]{6})"/g, (_m, attr: string, hex: string) => `${attr}="#${shortHex(hex)}"`)
    .trim();
}

/** #rrggbb as #rgb where each channel's digits repeat (without the #). */
export function shortHex(hex: string): string {
  const h = hex.toLowerCase();
  return h[0] === h[1] && h[2] === h[3] && h[4] === h[5] ? h[0]! + h[2]! + h[4]! : h;
}

const ATTR_D = /\sd="([^"]*)"/;
const ATTR_TRANSLATE = /\stransform="translate\(\s*(-?[\d.]+(?:e-?\d+)?)(?:[\s,]+(-?[\d.]+(?:e-?\d+)?))?\s*\)"/;

function rewritePathTag(tag: string, precision: number | undefined): string {
  const dMatch = ATTR_D.exec(tag);
  if (!dMatch) return tag;
  let tx = 0;
  let ty = 0;
  const tMatch = ATTR_TRANSLATE.exec(tag);
  if (tMatch) {
    tx = Number(tMatch[1]);
    ty = Number(tMatch[2] ?? 0);
    if (!Number.isFinite(tx) || !Number.isFinite(ty)) return tag;
  } else if (/\stransform=/.test(tag)) {
    tx = NaN; // another transform: keep it, do not fold
  }
  const d = optimizePathData(dMatch[1]!, precision, Number.isNaN(tx) ? 0 : tx, Number.isNaN(ty) ? 0 : ty);
  if (d === null) return tag;
  let out = tag.replace(ATTR_D, () => ` d="${d}"`);
  if (tMatch && !Number.isNaN(tx)) out = out.replace(ATTR_TRANSLATE, '');
  return out;
}

// --- Path data ---

/** A segment in absolute integer grid units (coordinate x 10^decimals). */
interface Seg {
  c: 'L' | 'C' | 'Q';
  p: number[];
}

interface Subpath {
  x: number;
  y: number;
  segs: Seg[];
  closed: boolean;
}

const TOKEN = /([MmLlHhVvCcSsQqTtAaZz])|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/g;
const ARITY: Record<string, number> = { M: 2, L: 2, H: 1, V: 1, C: 6, S: 4, Q: 4, T: 2, Z: 0 };
const MAX_DECIMALS = 3;
/** Largest deviation (user units) of a cubic's control points from its chord for it to become a line. */
const STRAIGHT_TOLERANCE = 0.02;

function decimalsIn(d: string): number {
  let max = 0;
  const re = /\.(\d+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(d)) && max < MAX_DECIMALS) max = Math.max(max, m[1]!.length);
  return Math.min(max, MAX_DECIMALS);
}

/**
 * Rewrites one path's data, or returns null to keep it as is (arcs or anything it does not parse).
 * `tx`/`ty` are added to every coordinate, then every coordinate is multiplied by `factor` (the
 * integer grid's scale, see integer-grid.ts), and rounded to `precision` decimals of the result.
 */
export function optimizePathData(d: string, precision: number | undefined, tx = 0, ty = 0, factor = 1): string | null {
  const decimals = precision ?? decimalsIn(d);
  const scale = 10 ** decimals;
  // The straight-line tolerance is in the units written: `factor` grid units are one of the input's.
  const tolerance = Math.max(STRAIGHT_TOLERANCE * factor, precision === undefined ? 0 : 0.5 / scale) * scale;
  const subs = parse(d, scale * factor, tx, ty);
  if (subs === null) return null;
  for (const sub of subs) simplify(sub, tolerance);
  return write(subs, decimals);
}

/**
 * Closed polygons (rings of [x0, y0, x1, y1, ...] in user units, `tx`/`ty` subtracted) as the
 * shortest path data `optimizePathData` would write for them, without a text round trip.
 */
export function polygonPathData(rings: readonly number[][], precision: number, tx = 0, ty = 0): string {
  const scale = 10 ** precision;
  const subs: Subpath[] = rings.map((r) => {
    const segs: Seg[] = [];
    for (let i = 2; i < r.length; i += 2) segs.push({ c: 'L', p: [Math.round((r[i]! - tx) * scale), Math.round((r[i + 1]! - ty) * scale)] });
    return { x: Math.round((r[0]! - tx) * scale), y: Math.round((r[1]! - ty) * scale), segs, closed: true };
  });
  const tolerance = Math.max(STRAIGHT_TOLERANCE, 0.5 / scale) * scale;
  for (const sub of subs) simplify(sub, tolerance);
  return write(subs, precision);
}

function parse(d: string, scale: number, tx: number, ty: number): Subpath[] | null {
  const subs: Subpath[] = [];
  let cmd = '';
  let args: number[] = [];
  // Current point and subpath start in unrounded user units (relative commands add up exactly as written).
  let cx = 0;
  let cy = 0;
  let sx = 0;
  let sy = 0;
  // The last control point of the previous segment, for S and T (their first is its reflection).
  let lastCubic: [number, number] | null = null;
  let lastQuad: [number, number] | null = null;
  let sub: Subpath | null = null;
  const gx = (x: number) => Math.round((x + tx) * scale);
  const gy = (y: number) => Math.round((y + ty) * scale);
  const current = (): Subpath => {
    if (sub === null || sub.closed) {
      sub = { x: gx(cx), y: gy(cy), segs: [], closed: false };
      sx = cx;
      sy = cy;
      subs.push(sub);
    }
    return sub;
  };
  const apply = (): boolean => {
    const upper = cmd.toUpperCase();
    const rel = cmd !== upper;
    const ox = rel ? cx : 0;
    const oy = rel ? cy : 0;
    const a = args;
    const cubic = lastCubic;
    const quad = lastQuad;
    lastCubic = null;
    lastQuad = null;
    switch (upper) {
      case 'M':
        cx = ox + a[0]!;
        cy = oy + a[1]!;
        sub = null;
        current();
        cmd = rel ? 'l' : 'L'; // further pairs are lines
        return true;
      case 'L':
        cx = ox + a[0]!;
        cy = oy + a[1]!;
        current().segs.push({ c: 'L', p: [gx(cx), gy(cy)] });
        return true;
      case 'H':
        cx = ox + a[0]!;
        current().segs.push({ c: 'L', p: [gx(cx), gy(cy)] });
        return true;
      case 'V':
        cy = (rel ? cy : 0) + a[0]!;
        current().segs.push({ c: 'L', p: [gx(cx), gy(cy)] });
        return true;
      case 'C':
      case 'S': {
        const s = current();
        // S: the first control point is the previous cubic's second reflected through the current point.
        const [x1, y1, rest] = upper === 'C' ? [ox + a[0]!, oy + a[1]!, 2] : cubic ? [2 * cx - cubic[0], 2 * cy - cubic[1], 0] : [cx, cy, 0];
        const x2 = ox + a[rest]!;
        const y2 = oy + a[rest + 1]!;
        const p = [gx(x1), gy(y1), gx(x2), gy(y2)];
        cx = ox + a[rest + 2]!;
        cy = oy + a[rest + 3]!;
        p.push(gx(cx), gy(cy));
        s.segs.push({ c: 'C', p });
        lastCubic = [x2, y2];
        return true;
      }
      case 'Q':
      case 'T': {
        const s = current();
        const [x1, y1, rest] = upper === 'Q' ? [ox + a[0]!, oy + a[1]!, 2] : quad ? [2 * cx - quad[0], 2 * cy - quad[1], 0] : [cx, cy, 0];
        const p = [gx(x1), gy(y1)];
        cx = ox + a[rest]!;
        cy = oy + a[rest + 1]!;
        p.push(gx(cx), gy(cy));
        s.segs.push({ c: 'Q', p });
        lastQuad = [x1, y1];
        return true;
      }
      default:
        return false;
    }
  };
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = TOKEN.exec(d))) {
    if (d.slice(consumed, m.index).replace(/[\s,]/g, '') !== '') return null;
    consumed = TOKEN.lastIndex;
    if (m[1]) {
      if (args.length > 0) return null; // dangling numbers
      const upper = m[1].toUpperCase();
      if (!(upper in ARITY)) return null; // A: keep the path as written
      cmd = m[1];
      if (upper === 'Z') {
        lastCubic = null;
        lastQuad = null;
        if (sub !== null) (sub as Subpath).closed = true;
        cx = sx;
        cy = sy;
      }
      continue;
    }
    if (cmd === '' || cmd === 'Z' || cmd === 'z') return null;
    args.push(Number(m[2]));
    if (args.length === ARITY[cmd.toUpperCase()]) {
      if (!apply()) return null;
      args = [];
    }
  }
  if (args.length > 0 || d.slice(consumed).replace(/[\s,]/g, '') !== '') return null;
  return subs;
}

function simplify(sub: Subpath, tolerance: number): void {
  const out: Seg[] = [];
  let x = sub.x;
  let y = sub.y;
  for (const seg of sub.segs) {
    const p = seg.p;
    const ex = p[p.length - 2]!;
    const ey = p[p.length - 1]!;
    let s = seg;
    if (seg.c !== 'L' && straight(x, y, ex, ey, p, tolerance)) s = { c: 'L', p: [ex, ey] };
    if (s.c === 'L') {
      if (ex === x && ey === y) continue; // zero length
      const prev = out[out.length - 1];
      if (prev && prev.c === 'L') {
        // Same direction as the previous line: one longer line (exact in grid units).
        const px = out.length > 1 ? end(out[out.length - 2]!) : [sub.x, sub.y];
        const ax = x - px[0]!;
        const ay = y - px[1]!;
        const bx = ex - x;
        const by = ey - y;
        if (ax * by - ay * bx === 0 && ax * bx + ay * by > 0) {
          prev.p = [ex, ey];
          x = ex;
          y = ey;
          continue;
        }
      }
    }
    out.push(s);
    x = ex;
    y = ey;
  }
  // A closing line is drawn by z anyway.
  if (sub.closed && out.length > 1) {
    const last = out[out.length - 1]!;
    if (last.c === 'L' && last.p[0] === sub.x && last.p[1] === sub.y) out.pop();
  }
  sub.segs = out;
}

function end(seg: Seg): number[] {
  return seg.p.slice(-2);
}

/** True when every control point lies within `tol` of the chord, between its ends. */
function straight(x0: number, y0: number, x1: number, y1: number, p: number[], tol: number): boolean {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let i = 0; i < p.length - 2; i += 2) {
    const qx = p[i]! - x0;
    const qy = p[i + 1]! - y0;
    if (len2 === 0) {
      if (qx * qx + qy * qy > tol * tol) return false;
      continue;
    }
    const t = (qx * dx + qy * dy) / len2;
    if (t < 0 || t > 1) return false;
    const cross = qx * dy - qy * dx;
    if (cross * cross > tol * tol * len2) return false;
  }
  return true;
}

function fmt(v: number, decimals: number, scale: number): string {
  if (v === 0) return '0';
  const neg = v < 0;
  const a = neg ? -v : v;
  const int = Math.floor(a / scale);
  let frac = decimals > 0 ? String(a - int * scale).padStart(decimals, '0').replace(/0+$/, '') : '';
  let s = frac ? (int === 0 ? '' : String(int)) + '.' + frac : String(int);
  if (neg) s = '-' + s;
  return s;
}

function write(subs: Subpath[], decimals: number): string {
  const scale = 10 ** decimals;
  let out = '';
  let last = ''; // last command letter written
  let lastNum = ''; // last number written since that letter ('' right after a letter)
  const num = (v: number) => {
    const s = fmt(v, decimals, scale);
    if (lastNum !== '' && s[0] !== '-' && !(s[0] === '.' && lastNum.includes('.'))) out += ' ';
    out += s;
    lastNum = s;
  };
  const letter = (c: string) => {
    // A repeated command needs no letter; after m, pairs are implicit l.
    if (c === last || (c === 'l' && last === 'm')) {
      if (c === 'l' && last === 'm') last = 'l';
      return;
    }
    out += c;
    last = c;
    lastNum = '';
  };
  let cx = 0;
  let cy = 0;
  for (const sub of subs) {
    if (sub.segs.length === 0) continue;
    out += 'm';
    last = 'm';
    lastNum = '';
    num(sub.x - cx);
    num(sub.y - cy);
    cx = sub.x;
    cy = sub.y;
    let prevC: number[] | null = null;
    for (const seg of sub.segs) {
      const p = seg.p;
      if (seg.c === 'L') {
        const dx = p[0]! - cx;
        const dy = p[1]! - cy;
        if (dx === 0) {
          letter('v');
          num(dy);
        } else if (dy === 0) {
          letter('h');
          num(dx);
        } else {
          letter('l');
          num(dx);
          num(dy);
        }
        prevC = null;
      } else if (seg.c === 'C') {
        if (prevC && p[0] === 2 * cx - prevC[0]! && p[1] === 2 * cy - prevC[1]!) {
          letter('s');
        } else {
          letter('c');
          num(p[0]! - cx);
          num(p[1]! - cy);
        }
        num(p[2]! - cx);
        num(p[3]! - cy);
        num(p[4]! - cx);
        num(p[5]! - cy);
        prevC = [p[2]!, p[3]!];
      } else {
        letter('q');
        num(p[0]! - cx);
        num(p[1]! - cy);
        num(p[2]! - cx);
        num(p[3]! - cy);
        prevC = null;
      }
      cx = p[p.length - 2]!;
      cy = p[p.length - 1]!;
    }
    if (sub.closed) {
      out += 'z';
      last = 'z';
      lastNum = '';
      cx = sub.x;
      cy = sub.y;
    }
  }
  return out;
}

/**
 * Sets the root's width/height to the source's size. Engines may trace a downscaled copy: its
 * viewBox stays in trace pixels and the SVG still displays at the source's size.
 */
export function fitSvgToSize(svg: string, width: number, height: number, traceWidth: number, traceHeight: number): string {
  return svg.replace(/<svg\b[^>]*>/, (tag) => {
    let out = tag
      .replace(/\s(width|height|viewBox)="[^"]*"/g, '')
      .replace(/\s*\/?>$/, '');
    out += ` width="${width}" height="${height}" viewBox="0 0 ${traceWidth} ${traceHeight}">`;
    return out;
  });
}

/**
 * Gap filler: every filled path also gets a stroke of its own colour, `width` user units wide,
 * covering the hairline gaps anti-aliasing leaves where cut-out shapes meet.
 */
export function addGapFiller(svg: string, width: number): string {
  const w = Math.round(width * 100) / 100;
  if (!(w > 0)) return svg;
  return svg.replace(/<path\b[^>]*>/g, (tag) => {
    if (/\sstroke=/.test(tag)) return tag;
    const fill = /\sfill="(#[0-9a-fA-F]{3,6})"/.exec(tag);
    if (!fill) return tag;
    // Round joins: a mitred stroke would poke spikes out of sharp corners.
    return tag.replace(/\s*(\/?)>$/, ` stroke="${fill[1]}" stroke-width="${w}" stroke-linejoin="round"$1>`);
  });
}

/** Replaces every #rgb/#rrggbb paint colour by its nearest (Oklab) entry of `colours`. */
export function snapColours(svg: string, colours: readonly { r: number; g: number; b: number }[]): string {
  const labs = colours.map((c) => srgb8ToOklab(c.r, c.g, c.b));
  const hex = (c: { r: number; g: number; b: number }) => '#' + ((1 << 24) | (c.r << 16) | (c.g << 8) | c.b).toString(16).slice(1);
  const memo = new Map<string, string>();
  return svg.replace(/(fill|stroke|stop-color)="#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})"/g, (_m, attr: string, h: string) => {
    let out = memo.get(h);
    if (out === undefined) {
      const full = h.length === 3 ? h.replace(/./g, (c) => c + c) : h;
      const v = parseInt(full, 16);
      const lab = srgb8ToOklab(v >> 16, (v >> 8) & 255, v & 255);
      let best = 0;
      let bestD = Infinity;
      labs.forEach((l, i) => {
        const d = (l.L - lab.L) ** 2 + (l.a - lab.a) ** 2 + (l.b - lab.b) ** 2;
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      });
      out = hex(colours[best]!);
      memo.set(h, out);
    }
    return `${attr}="${out}"`;
  });
}
