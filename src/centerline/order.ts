/**
 * Pen order for plotters: strokes are drawn nearest-first from where the pen is, each from
 * whichever end is nearer, so a stroke that starts where the last one ended is drawn without
 * lifting the pen. That greedy order then is improved by 2-opt (a run of strokes drawn backwards,
 * in reverse order) and Or-opt (a run of up to three strokes moved elsewhere, either way round):
 * greedy leaves strokes behind that it must come back for. A move is taken only when it shortens
 * pen-up travel without adding a pen lift, or saves a lift without adding travel, so strokes
 * chained at shared ends stay chained and the result is never worse than greedy. Pen-up travel is
 * measured from the origin (the plotter's home) both in the order the strokes were found and in
 * the order chosen, so callers can see what ordering saved.
 */
import { endPoint, reversePath, type FittedPath } from './fit.js';
import type { Point } from './graph.js';

export interface PenStroke {
  path: FittedPath;
  width: number;
}

const gap = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/** Pen-up distance to draw `strokes` in the given order from `from`; returns the pen's last position too. */
export function travel(strokes: readonly PenStroke[], from: Point): { distance: number; at: Point } {
  let at = from;
  let distance = 0;
  for (const s of strokes) {
    distance += gap(at, s.path.start);
    at = endPoint(s.path);
  }
  return { distance, at };
}

/** Greedy nearest-end order from `from`; closed strokes start where they start, open ones may be reversed. */
export function greedyOrder(strokes: readonly PenStroke[], from: Point): PenStroke[] {
  const left = [...strokes];
  const out: PenStroke[] = [];
  let at = from;
  while (left.length > 0) {
    let best = 0;
    let bestGap = Infinity;
    let reverse = false;
    for (let i = 0; i < left.length; i++) {
      const p = left[i]!.path;
      const toStart = gap(at, p.start);
      if (toStart < bestGap) [best, bestGap, reverse] = [i, toStart, false];
      if (!p.closed) {
        const toEnd = gap(at, endPoint(p));
        if (toEnd < bestGap) [best, bestGap, reverse] = [i, toEnd, true];
      }
      if (bestGap === 0) break;
    }
    const [chosen] = left.splice(best, 1) as [PenStroke];
    const stroke = reverse ? { ...chosen, path: reversePath(chosen.path) } : chosen;
    out.push(stroke);
    at = endPoint(stroke.path);
  }
  return out;
}

/** Moves looked at before the improvement stops (some tens of ms at most, on a drawing of thousands of strokes). */
const MAX_MOVES = 1_000_000;
/** Ends closer than this are the same point: the pen goes on without lifting. */
const SAME = 1e-9;

/**
 * The tour as arrays (stroke, whether reversed, start and end point per position), so a move is
 * looked at without allocating and made in place.
 */
class Tour {
  readonly stroke: number[];
  readonly reversed: boolean[];
  readonly ax: Float64Array;
  readonly ay: Float64Array;
  readonly bx: Float64Array;
  readonly by: Float64Array;

  constructor(strokes: readonly PenStroke[]) {
    const n = strokes.length;
    this.stroke = strokes.map((_, i) => i);
    this.reversed = strokes.map(() => false);
    [this.ax, this.ay, this.bx, this.by] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    strokes.forEach((s, i) => {
      const end = endPoint(s.path);
      [this.ax[i], this.ay[i], this.bx[i], this.by[i]] = [s.path.start.x, s.path.start.y, end.x, end.y];
    });
  }

  /** Positions i..j drawn backwards: their order reversed and each stroke from its other end. */
  reverse(i: number, j: number): void {
    const { stroke, reversed, ax, ay, bx, by } = this;
    for (; i <= j; i++, j--) {
      const s = stroke[i]!;
      stroke[i] = stroke[j]!;
      stroke[j] = s;
      const r = reversed[i]!;
      reversed[i] = !reversed[j]!;
      reversed[j] = !r;
      // Start and end trade places as the strokes do.
      const [x0, y0, x1, y1] = [ax[i]!, ay[i]!, bx[i]!, by[i]!];
      ax[i] = bx[j]!;
      ay[i] = by[j]!;
      bx[i] = ax[j]!;
      by[i] = ay[j]!;
      ax[j] = x1;
      ay[j] = y1;
      bx[j] = x0;
      by[j] = y0;
    }
  }

  /** Moves positions i..i+len-1 to sit after position k (k = -1: first), reversed when asked. */
  move(i: number, len: number, k: number, backwards: boolean): void {
    if (backwards) this.reverse(i, i + len - 1);
    const cols = [this.ax, this.ay, this.bx, this.by];
    const run = cols.map((c) => c.slice(i, i + len));
    const strokes = this.stroke.splice(i, len);
    const reversed = this.reversed.splice(i, len);
    // Where the run goes once it is out of the tour.
    const at = k < i ? k + 1 : k + 1 - len;
    this.stroke.splice(at, 0, ...strokes);
    this.reversed.splice(at, 0, ...reversed);
    cols.forEach((c, m) => {
      if (at < i) c.copyWithin(at + len, at, i);
      else c.copyWithin(i, i + len, at + len);
      c.set(run[m]!, at);
    });
  }
}

/** 2-opt and Or-opt passes over an order (see the module comment), up to `maxMoves` looked at. */
export function improveOrder(strokes: readonly PenStroke[], from: Point, maxMoves = MAX_MOVES): PenStroke[] {
  const n = strokes.length;
  if (n < 2) return [...strokes];
  const t = new Tour(strokes);
  const { ax, ay, bx, by } = t;
  // Pen-up cost between two points: distance, and a lift unless they are the same point.
  let dist = 0;
  let lift = 0;
  const link = (px: number, py: number, qx: number, qy: number) => {
    const d = Math.hypot(px - qx, py - qy);
    dist += d;
    lift += d > SAME ? 1 : 0;
  };
  const unlink = (px: number, py: number, qx: number, qy: number) => {
    const d = Math.hypot(px - qx, py - qy);
    dist -= d;
    lift -= d > SAME ? 1 : 0;
  };
  // A change is taken when it shortens travel without adding a lift, or saves a lift without adding travel.
  const better = () => dist <= 1e-9 && lift <= 0 && (dist < -1e-6 || lift < 0);
  const endX = (i: number) => (i < 0 ? from.x : bx[i]!);
  const endY = (i: number) => (i < 0 ? from.y : by[i]!);
  let budget = maxMoves;
  let improved = true;
  while (improved && budget > 0) {
    improved = false;
    // 2-opt: positions i..j drawn backwards.
    for (let i = 0; i < n && budget > 0; i++) {
      for (let j = i; j < n; j++) {
        budget--;
        const px = endX(i - 1);
        const py = endY(i - 1);
        dist = 0;
        lift = 0;
        unlink(px, py, ax[i]!, ay[i]!);
        link(px, py, bx[j]!, by[j]!);
        if (j + 1 < n) {
          unlink(bx[j]!, by[j]!, ax[j + 1]!, ay[j + 1]!);
          link(ax[i]!, ay[i]!, ax[j + 1]!, ay[j + 1]!);
        }
        if (better()) {
          t.reverse(i, j);
          improved = true;
        }
      }
    }
    // Or-opt: positions i..i+len-1 taken out and put after position k, either way round.
    for (let len = 1; len <= 3 && budget > 0; len++) {
      for (let i = 0; i + len <= n && budget > 0; i++) {
        const last = i + len - 1;
        for (let k = -1; k < n; k++) {
          if (k >= i - 1 && k <= last) continue; // where it already is
          budget -= 2;
          for (let way = 0; way < 2; way++) {
            const backwards = way === 1;
            dist = 0;
            lift = 0;
            // Out: p -> run -> q becomes p -> q.
            unlink(endX(i - 1), endY(i - 1), ax[i]!, ay[i]!);
            if (last + 1 < n) {
              unlink(bx[last]!, by[last]!, ax[last + 1]!, ay[last + 1]!);
              link(endX(i - 1), endY(i - 1), ax[last + 1]!, ay[last + 1]!);
            }
            // In: x -> y becomes x -> run -> y.
            const sx = backwards ? bx[last]! : ax[i]!;
            const sy = backwards ? by[last]! : ay[i]!;
            const ex = backwards ? ax[i]! : bx[last]!;
            const ey = backwards ? ay[i]! : by[last]!;
            link(endX(k), endY(k), sx, sy);
            if (k + 1 < n) {
              unlink(endX(k), endY(k), ax[k + 1]!, ay[k + 1]!);
              link(ex, ey, ax[k + 1]!, ay[k + 1]!);
            }
            if (better()) {
              t.move(i, len, k, backwards);
              improved = true;
              break;
            }
          }
        }
      }
    }
  }
  return t.stroke.map((s, i) => (t.reversed[i] ? { ...strokes[s]!, path: reversePath(strokes[s]!.path) } : strokes[s]!));
}

/** The order the strokes are drawn in: greedy nearest-end, then improved. */
export function penOrder(strokes: readonly PenStroke[], from: Point): PenStroke[] {
  return improveOrder(greedyOrder(strokes, from), from);
}
