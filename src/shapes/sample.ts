/** An outline as evenly spaced points: what the fits and the tolerance test measure. */
import type { Point, Subpath } from './path-data.js';

/** Points of a closed outline, x then y, spaced evenly along its length. */
export interface Outline {
  xs: Float64Array;
  ys: Float64Array;
  /** Signed area (positive: clockwise in SVG's y-down coordinates). */
  area: number;
  length: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Appends the point at `t` of a segment to `out`. */
function evaluate(kind: 'L' | 'Q' | 'C', from: Point, p: readonly number[], t: number, out: number[]): void {
  const u = 1 - t;
  if (kind === 'L') {
    out.push(from[0] + (p[0]! - from[0]) * t, from[1] + (p[1]! - from[1]) * t);
  } else if (kind === 'Q') {
    out.push(u * u * from[0] + 2 * u * t * p[0]! + t * t * p[2]!, u * u * from[1] + 2 * u * t * p[1]! + t * t * p[3]!);
  } else {
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    out.push(a * from[0] + b * p[0]! + c * p[2]! + d * p[4]!, a * from[1] + b * p[1]! + c * p[3]! + d * p[5]!);
  }
}

/** The outline flattened finely (about `step` units per piece), closed back to its start. */
function flatten(sub: Subpath, step: number): number[] {
  const pts: number[] = [sub.start[0], sub.start[1]];
  for (const seg of sub.segments) {
    const p = seg.points;
    // The control polygon's length bounds the curve's: enough pieces for `step`.
    let len = 0;
    let px = seg.from[0];
    let py = seg.from[1];
    for (let i = 0; i < p.length; i += 2) {
      len += Math.hypot(p[i]! - px, p[i + 1]! - py);
      px = p[i]!;
      py = p[i + 1]!;
    }
    const n = seg.kind === 'L' ? 1 : Math.max(4, Math.ceil(len / step));
    for (let k = 1; k <= n; k++) evaluate(seg.kind, seg.from, p, k / n, pts);
  }
  pts.push(sub.start[0], sub.start[1]);
  return pts;
}

/** `count` points evenly spaced along the closed outline of `sub`. */
export function sampleOutline(sub: Subpath, count = 128): Outline {
  const first = flatten(sub, 1);
  let rough = 0;
  for (let i = 2; i < first.length; i += 2) rough += Math.hypot(first[i]! - first[i - 2]!, first[i + 1]! - first[i - 1]!);
  const fine = flatten(sub, Math.max(0.05, rough / (count * 8)));
  const cum: number[] = [0];
  let area = 0;
  for (let i = 2; i < fine.length; i += 2) {
    cum.push(cum[cum.length - 1]! + Math.hypot(fine[i]! - fine[i - 2]!, fine[i + 1]! - fine[i - 1]!));
    area += fine[i - 2]! * fine[i + 1]! - fine[i]! * fine[i - 1]!;
  }
  const length = cum[cum.length - 1]!;
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  let j = 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < count; k++) {
    const at = (k / count) * length;
    while (j < cum.length - 2 && cum[j + 1]! < at) j++;
    const span = cum[j + 1]! - cum[j]!;
    const t = span > 0 ? (at - cum[j]!) / span : 0;
    const x = fine[2 * j]! + (fine[2 * j + 2]! - fine[2 * j]!) * t;
    const y = fine[2 * j + 1]! + (fine[2 * j + 3]! - fine[2 * j + 1]!) * t;
    xs[k] = x;
    ys[k] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { xs, ys, area: area / 2, length, minX, minY, maxX, maxY };
}

/** Even-odd point-in-polygon against the sampled outline. */
/** Mean of the sample points: the fits work on centred coordinates, for conditioning. */
export function centroid(o: Outline): { x: number; y: number } {
  let x = 0;
  let y = 0;
  for (let i = 0; i < o.xs.length; i++) {
    x += o.xs[i]!;
    y += o.ys[i]!;
  }
  return { x: x / o.xs.length, y: y / o.xs.length };
}

export function insideOutline(o: Outline, x: number, y: number): boolean {
  let inside = false;
  const n = o.xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const yi = o.ys[i]!;
    const yj = o.ys[j]!;
    if (yi > y !== yj > y && x < ((o.xs[j]! - o.xs[i]!) * (y - yi)) / (yj - yi) + o.xs[i]!) inside = !inside;
  }
  return inside;
}
