/**
 * A stroke's pixel chain as a path: straight stretches found first and kept straight (a line is a
 * stretch whose points scatter evenly on both sides of its chord), corners kept sharp where the
 * chain turns abruptly, and what remains fitted with cubic Béziers (Schneider's algorithm, from
 * fit-curve) that meet the lines tangentially.
 */
import { fitCubic } from 'fit-curve';
import simplify from 'simplify-js';
import type { Point } from './graph.js';

export type Segment = { kind: 'L'; to: Point } | { kind: 'C'; c1: Point; c2: Point; to: Point };

export interface FittedPath {
  start: Point;
  segments: Segment[];
  closed: boolean;
}

/** Largest distance (px) of the pixel chain from its simplification and from a fitted curve. */
const TOLERANCE = 1;
/** A chord is a line when its points' mean signed offset is under this (a curve's bulges to one side). */
const LINE_BIAS = 0.3;
const LINE_MIN_LENGTH = 6;
/** Turns sharper than this are corners; between two lines, any turn above CORNER_BETWEEN_LINES is. */
const CORNER = (50 * Math.PI) / 180;
const CORNER_BETWEEN_LINES = (12 * Math.PI) / 180;

const sub = (a: Point, b: Point) => ({ x: a.x - b.x, y: a.y - b.y });
const norm = (v: Point) => {
  const l = Math.hypot(v.x, v.y) || 1;
  return { x: v.x / l, y: v.y / l };
};

function isLine(points: readonly Point[], from: number, to: number): boolean {
  const a = points[from]!;
  const b = points[to]!;
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  if (length < LINE_MIN_LENGTH) return false;
  if (to - from < 2) return true;
  const nx = -(b.y - a.y) / length;
  const ny = (b.x - a.x) / length;
  let sum = 0;
  for (let i = from + 1; i < to; i++) sum += (points[i]!.x - a.x) * nx + (points[i]!.y - a.y) * ny;
  return Math.abs(sum / (to - from - 1)) < LINE_BIAS;
}

function turn(a: Point, b: Point, c: Point): number {
  const u = norm(sub(b, a));
  const v = norm(sub(c, b));
  return Math.acos(Math.max(-1, Math.min(1, u.x * v.x + u.y * v.y)));
}

/** Direction of the chain leaving points[i] towards points[j] (a few pixels along, to see past pixel steps). */
function tangent(points: readonly Point[], i: number, j: number): [number, number] {
  const t = norm(sub(points[j]!, points[i]!));
  return [t.x, t.y];
}

export function fitStroke(points: readonly Point[], closed: boolean): FittedPath {
  const start = points[0]!;
  if (points.length === 1) return { start, segments: [], closed: false };
  const index = new Map<Point, number>();
  points.forEach((p, i) => index.set(p, i));
  const kept = simplify(points as Point[], TOLERANCE, true);
  const vertices = kept.map((p) => index.get(p)!);
  const n = vertices.length - 1;
  const line = Array.from({ length: n }, (_, k) => isLine(points, vertices[k]!, vertices[k + 1]!));
  const corner = vertices.map((v, k) => {
    if (k === 0 || k === n) return true;
    const angle = turn(points[vertices[k - 1]!]!, points[v]!, points[vertices[k + 1]!]!);
    return angle > CORNER || (line[k - 1]! && line[k]! && angle > CORNER_BETWEEN_LINES);
  });
  const segments: Segment[] = [];
  let k = 0;
  while (k < n) {
    if (line[k]) {
      segments.push({ kind: 'L', to: points[vertices[k + 1]!]! });
      k++;
      continue;
    }
    // A run of curved chords, up to the next line or corner.
    let end = k + 1;
    while (end < n && !line[end] && !corner[end]) end++;
    const from = vertices[k]!;
    const to = vertices[end]!;
    const run = points.slice(from, to + 1) as Point[];
    if (run.length < 3) {
      segments.push({ kind: 'L', to: points[to]! });
      k = end;
      continue;
    }
    const look = Math.min(3, run.length - 1);
    const left: [number, number] = k > 0 && line[k - 1] && !corner[k]
      ? tangent(points, vertices[k - 1]!, from)
      : tangent(run, 0, look);
    const right: [number, number] = end < n && line[end] && !corner[end]
      ? tangent(points, vertices[end + 1]!, to)
      : tangent(run, run.length - 1, run.length - 1 - look);
    const curves = fitCubic(run.map((p) => [p.x, p.y] as [number, number]), left, right, TOLERANCE * TOLERANCE);
    for (const [, c1, c2, p3] of curves) {
      segments.push({ kind: 'C', c1: { x: c1[0], y: c1[1] }, c2: { x: c2[0], y: c2[1] }, to: { x: p3[0], y: p3[1] } });
    }
    // The run's last point exactly, so the next segment starts where this one ends.
    const last = segments.at(-1)!;
    last.to = points[to]!;
    k = end;
  }
  return { start, segments, closed };
}

export function endPoint(path: FittedPath): Point {
  return path.segments.length > 0 ? path.segments.at(-1)!.to : path.start;
}

/** The same path drawn from its other end. */
export function reversePath(path: FittedPath): FittedPath {
  const segments: Segment[] = [];
  let from = path.start;
  const starts: Point[] = [];
  for (const s of path.segments) {
    starts.push(from);
    from = s.to;
  }
  for (let i = path.segments.length - 1; i >= 0; i--) {
    const s = path.segments[i]!;
    const to = starts[i]!;
    segments.push(s.kind === 'L' ? { kind: 'L', to } : { kind: 'C', c1: s.c2, c2: s.c1, to });
  }
  return { start: endPoint(path), segments, closed: path.closed };
}

/** Points along the path every `step` px (for distance and rendering checks). */
export function samplePath(path: FittedPath, step = 0.5): Point[] {
  const out: Point[] = [path.start];
  let from = path.start;
  for (const s of path.segments) {
    if (s.kind === 'L') {
      const n = Math.max(1, Math.ceil(Math.hypot(s.to.x - from.x, s.to.y - from.y) / step));
      for (let i = 1; i <= n; i++) out.push({ x: from.x + ((s.to.x - from.x) * i) / n, y: from.y + ((s.to.y - from.y) * i) / n });
    } else {
      const approx = Math.hypot(s.c1.x - from.x, s.c1.y - from.y) + Math.hypot(s.c2.x - s.c1.x, s.c2.y - s.c1.y) + Math.hypot(s.to.x - s.c2.x, s.to.y - s.c2.y);
      const n = Math.max(2, Math.ceil(approx / step));
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        out.push({
          x: u * u * u * from.x + 3 * u * u * t * s.c1.x + 3 * u * t * t * s.c2.x + t * t * t * s.to.x,
          y: u * u * u * from.y + 3 * u * u * t * s.c1.y + 3 * u * t * t * s.c2.y + t * t * t * s.to.y,
        });
      }
    }
    from = s.to;
  }
  return out;
}
