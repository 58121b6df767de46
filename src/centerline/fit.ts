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
const TOLERANCE = 1.25;
/** A chord is a line when its points' mean signed offset is under this (a curve's bulges to one side). */
const LINE_BIAS = 0.3;
const LINE_MIN_LENGTH = 6;
/** Turns sharper than this are corners; between two lines, any turn above CORNER_BETWEEN_LINES is. */
const CORNER = (50 * Math.PI) / 180;
const CORNER_BETWEEN_LINES = (12 * Math.PI) / 180;
/** Chords that turn by less than this, several in a row one way, are an arc. */
const ARC_TURN = (35 * Math.PI) / 180;

const sub = (a: Point, b: Point) => ({ x: a.x - b.x, y: a.y - b.y });
const norm = (v: Point) => {
  const l = Math.hypot(v.x, v.y) || 1;
  return { x: v.x / l, y: v.y / l };
};

/**
 * Whether points[from..to] are a straight stretch: offsets from their least-squares line scatter
 * on both sides (pixel steps) instead of bowing (a curve's middle lies on the other side of the
 * line from its ends).
 */
function isLine(points: readonly Point[], from: number, to: number): boolean {
  const a = points[from]!;
  const b = points[to]!;
  if (Math.hypot(b.x - a.x, b.y - a.y) < LINE_MIN_LENGTH) return false;
  const n = to - from + 1;
  if (n < 6) return true;
  let mx = 0;
  let my = 0;
  for (let i = from; i <= to; i++) {
    mx += points[i]!.x;
    my += points[i]!.y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = from; i <= to; i++) {
    const dx = points[i]!.x - mx;
    const dy = points[i]!.y - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const nx = -Math.sin(angle);
  const ny = Math.cos(angle);
  const third = Math.floor(n / 3);
  const mean = (lo: number, hi: number) => {
    let s = 0;
    for (let i = lo; i < hi; i++) s += (points[i]!.x - mx) * nx + (points[i]!.y - my) * ny;
    return s / Math.max(1, hi - lo);
  };
  const bow = mean(from + third, to + 1 - third) - (mean(from, from + third) + mean(to + 1 - third, to + 1)) / 2;
  // Pixel steps average out over a long chord, so a long one must bow less to count as a curve.
  return Math.abs(bow) < Math.max(0.12, Math.min(LINE_BIAS, LINE_BIAS / Math.sqrt(n / 12)));
}

/** Pixel steps evened out ([1 2 1] twice), ends kept: Schneider's fit then follows the line, not the grid. */
function smooth(points: Point[]): Point[] {
  let pts = points;
  for (let pass = 0; pass < 2; pass++) {
    pts = pts.map((p, i) =>
      i === 0 || i === pts.length - 1 ? p : { x: (pts[i - 1]!.x + 2 * p.x + pts[i + 1]!.x) / 4, y: (pts[i - 1]!.y + 2 * p.y + pts[i + 1]!.y) / 4 },
    );
  }
  return pts;
}

/** Thinning often bends a free end's last pixel aside; a last step off the chain's direction is dropped. */
function dehook(points: Point[], atStart: boolean): Point[] {
  const pts = atStart ? [...points].reverse() : points;
  const n = pts.length;
  if (n < 6) return points;
  const last = pts[n - 1]!;
  const prev = pts[n - 2]!;
  const back = pts[n - 5]!;
  const step = norm(sub(last, prev));
  const dir = norm(sub(prev, back));
  if (step.x * dir.x + step.y * dir.y < Math.cos((35 * Math.PI) / 180)) pts.pop();
  return atStart ? pts.reverse() : pts;
}

/** Where the lines through (a0, a1) and (b0, b1) cross; undefined when nearly parallel. */
function intersect(a0: Point, a1: Point, b0: Point, b1: Point): Point | undefined {
  const d1 = sub(a1, a0);
  const d2 = sub(b1, b0);
  const den = d1.x * d2.y - d1.y * d2.x;
  if (Math.abs(den) < 1e-9 * Math.hypot(d1.x, d1.y) * Math.hypot(d2.x, d2.y) || den === 0) return undefined;
  const t = ((b0.x - a0.x) * d2.y - (b0.y - a0.y) * d2.x) / den;
  return { x: a0.x + t * d1.x, y: a0.y + t * d1.y };
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

export interface FitOptions {
  /** Whether the first and last points are free line ends (thinning may have bent them). */
  freeEnds?: [boolean, boolean];
  /** The stroke's width: a bend shorter than it between two lines is a corner, made sharp. */
  width?: number;
}

export function fitStroke(input: readonly Point[], closed: boolean, options: FitOptions = {}): FittedPath {
  let points = [...input];
  if (options.freeEnds?.[0]) points = dehook(points, true);
  if (options.freeEnds?.[1]) points = dehook(points, false);
  const start = points[0]!;
  if (points.length === 1) return { start, segments: [], closed: false };
  const index = new Map<Point, number>();
  points.forEach((p, i) => index.set(p, i));
  // A pixel off on a wide stroke is invisible: the tolerance grows with the width.
  const tolerance = Math.max(TOLERANCE, 0.08 * (options.width ?? 0));
  const kept = simplify(points, tolerance, true);
  let vertices = kept.map((p) => index.get(p)!);
  let line = Array.from({ length: vertices.length - 1 }, (_, k) => isLine(points, vertices[k]!, vertices[k + 1]!));
  line = arcsAreCurves(points, vertices, line);
  if ((options.width ?? 0) < SHORT_LINE / 2) line = shortLinesInCurves(points, vertices, line);
  ({ points, vertices, line } = sharpenCorners(points, vertices, line, options.width ?? 2));
  const n = vertices.length - 1;
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
    const run = smooth(points.slice(from, to + 1));
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
    const curves = fitCubic(run.map((p) => [p.x, p.y] as [number, number]), left, right, tolerance * tolerance);
    let from0 = points[from]!;
    for (const [, c1, c2, p3] of curves) {
      const to = { x: p3[0], y: p3[1] };
      const c = { kind: 'C' as const, c1: { x: c1[0], y: c1[1] }, c2: { x: c2[0], y: c2[1] }, to };
      // A piece of the run that came out straight is a line: the same drawing in fewer bytes.
      segments.push(isFlat(from0, c.c1, c.c2, to) ? { kind: 'L', to } : c);
      from0 = to;
    }
    // The run's last point exactly, so the next segment starts where this one ends.
    const last = segments.at(-1)!;
    last.to = points[to]!;
    k = end;
  }
  return { start, segments, closed };
}

/** A cubic that strays less than FLAT from its chord: its control points lie on the chord, between its ends. */
const FLAT = 0.15;
function isFlat(a: Point, c1: Point, c2: Point, b: Point): boolean {
  const d = sub(b, a);
  const l = Math.hypot(d.x, d.y);
  if (l < 1e-9) return false;
  const off = (p: Point) => Math.abs((p.x - a.x) * d.y - (p.y - a.y) * d.x) / l;
  const along = (p: Point) => ((p.x - a.x) * d.x + (p.y - a.y) * d.y) / (l * l);
  return off(c1) < FLAT && off(c2) < FLAT && [along(c1), along(c2)].every((t) => t >= 0 && t <= 1);
}

/**
 * Three or more chords in a row that each turn a little the same way are an arc the simplification
 * cut into chords, not a polygon: they are fitted as a curve. A polygon's corners turn further.
 */
function arcsAreCurves(points: readonly Point[], vertices: readonly number[], line: boolean[]): boolean[] {
  const out = [...line];
  const turnAt = (k: number) => {
    const a = points[vertices[k - 1]!]!;
    const b = points[vertices[k]!]!;
    const c = points[vertices[k + 1]!]!;
    const u = sub(b, a);
    const v = sub(c, b);
    return Math.atan2(u.x * v.y - u.y * v.x, u.x * v.x + u.y * v.y);
  };
  let start = 0;
  for (let k = 1; k <= line.length; k++) {
    const gentle = k < line.length && line[k - 1] && line[k] && Math.abs(turnAt(k)) < ARC_TURN && (k === start + 1 || Math.sign(turnAt(k)) === Math.sign(turnAt(k - 1)));
    if (gentle) continue;
    // Chords start..k-1 are lines joined by gentle turns of one sign.
    if (k - start >= 3) for (let i = start; i < k; i++) out[i] = false;
    start = k;
  }
  return out;
}

/** A line chord shorter than this between two curved ones, turning gently into both, is part of the curve. */
const SHORT_LINE = 20;

/**
 * A short chord that happens to look straight in the middle of a curve (a flat stretch of a
 * spiral, a scribble's inflection) is not a line of the drawing: drawn as one, it breaks the curve
 * into pieces that each cost a cubic of their own. Only on lines thinner than SHORT_LINE / 2: on a
 * thick one (a logo's rings and bars) such a chord is where a curve meets a bar, and stays straight.
 */
function shortLinesInCurves(points: readonly Point[], vertices: readonly number[], line: boolean[]): boolean[] {
  const out = [...line];
  const at = (k: number) => points[vertices[k]!]!;
  for (let k = 1; k < line.length - 1; k++) {
    if (!line[k] || line[k - 1] || line[k + 1]) continue;
    const a = at(k);
    const b = at(k + 1);
    if (Math.hypot(b.x - a.x, b.y - a.y) >= SHORT_LINE) continue;
    if (turn(at(k - 1), a, b) > CORNER || turn(a, b, at(k + 2)) > CORNER) continue;
    out[k] = false;
  }
  return out;
}

/**
 * Two lines joined by a short bend (shorter than about two stroke widths) meet in a corner:
 * thinning rounds and bumps every corner of a thick line. The bend's points are replaced by the
 * lines' intersection, when it lies near the bend.
 */
function sharpenCorners(points: Point[], vertices: number[], line: boolean[], width: number): { points: Point[]; vertices: number[]; line: boolean[] } {
  const reach = 2 * width + 3;
  for (let k = 0; k < line.length; k++) {
    if (!line[k]) continue;
    let m = k + 1;
    let bend = 0;
    while (m < line.length && !line[m]) {
      bend += Math.hypot(points[vertices[m + 1]!]!.x - points[vertices[m]!]!.x, points[vertices[m + 1]!]!.y - points[vertices[m]!]!.y);
      m++;
    }
    if (m >= line.length || m === k + 1) continue;
    const a0 = points[vertices[k]!]!;
    const a1 = points[vertices[k + 1]!]!;
    const b0 = points[vertices[m]!]!;
    const b1 = points[vertices[m + 1]!]!;
    // A bend longer than the lines it joins is a curve of its own.
    if (bend > Math.min(reach, Math.hypot(a1.x - a0.x, a1.y - a0.y), Math.hypot(b1.x - b0.x, b1.y - b0.y))) continue;
    const u = norm(sub(a1, a0));
    const v = norm(sub(b1, b0));
    if (u.x * v.x + u.y * v.y > Math.cos((25 * Math.PI) / 180)) continue;
    const corner = intersect(a0, a1, b0, b1);
    if (!corner || Math.hypot(corner.x - a1.x, corner.y - a1.y) > reach || Math.hypot(corner.x - b0.x, corner.y - b0.y) > reach) continue;
    // Replace the bend's points by the corner: the chain becomes ... a0 .. corner .. b1 ...
    const from = vertices[k + 1]!;
    const to = vertices[m]!;
    points = [...points.slice(0, from), corner, ...points.slice(to + 1)];
    const shift = to - from;
    vertices = [...vertices.slice(0, k + 1), from, ...vertices.slice(m + 1).map((i) => i - shift)];
    line = [...line.slice(0, k + 1), ...line.slice(m)];
  }
  return { points, vertices, line };
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
