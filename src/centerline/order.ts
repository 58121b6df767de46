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

const gap = (a: Point, b: Point) => Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2);

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

/** Moves looked at, and strokes shifted by the moves made, before the improvement stops (some tens of ms at most). */
const MAX_MOVES = 500_000;
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
const dist = (px: number, py: number, qx: number, qy: number) => Math.sqrt((px - qx) * (px - qx) + (py - qy) * (py - qy));
const lifts = (distance: number) => (distance > SAME ? 1 : 0);
/** A change is taken when it shortens travel without adding a lift, or saves a lift without adding travel. */
const better = (dTravel: number, dLifts: number) => dTravel <= 1e-9 && dLifts <= 0 && (dTravel < -1e-6 || dLifts < 0);

/** One 2-opt pass (positions i..j drawn backwards); returns the work done, or its negative when something improved. */
function twoOptPass(t: Tour, fromX: number, fromY: number, budget: number): [number, boolean] {
  const { ax, ay, bx, by } = t;
  const n = ax.length;
  let work = 0;
  let improved = false;
  for (let i = 0; i < n && work < budget; i++) {
    for (let j = i; j < n; j++) {
      work++;
      const px = i === 0 ? fromX : bx[i - 1]!;
      const py = i === 0 ? fromY : by[i - 1]!;
      const before = dist(px, py, ax[i]!, ay[i]!);
      const after = dist(px, py, bx[j]!, by[j]!);
      let dTravel = after - before;
      let dLifts = lifts(after) - lifts(before);
      if (j + 1 < n) {
        const out = dist(bx[j]!, by[j]!, ax[j + 1]!, ay[j + 1]!);
        const into = dist(ax[i]!, ay[i]!, ax[j + 1]!, ay[j + 1]!);
        dTravel += into - out;
        dLifts += lifts(into) - lifts(out);
      }
      if (better(dTravel, dLifts)) {
        t.reverse(i, j);
        work += j - i; // making a move is work too
        improved = true;
      }
    }
  }
  return [work, improved];
}

/** One Or-opt pass (runs of `len` strokes taken out and put after position k, either way round). */
function orOptPass(t: Tour, len: number, fromX: number, fromY: number, budget: number): [number, boolean] {
  const { ax, ay, bx, by } = t;
  const n = ax.length;
  let work = 0;
  let improved = false;
  for (let i = 0; i + len <= n && work < budget; i++) {
    const last = i + len - 1;
    // Taking the run out: p -> run -> q becomes p -> q.
    const px = i === 0 ? fromX : bx[i - 1]!;
    const py = i === 0 ? fromY : by[i - 1]!;
    const fx = ax[i]!;
    const fy = ay[i]!;
    const lx = bx[last]!;
    const ly = by[last]!;
    const toRun = dist(px, py, fx, fy);
    let outTravel = -toRun;
    let outLifts = -lifts(toRun);
    if (last + 1 < n) {
      const fromRun = dist(lx, ly, ax[last + 1]!, ay[last + 1]!);
      const across = dist(px, py, ax[last + 1]!, ay[last + 1]!);
      outTravel += across - fromRun;
      outLifts += lifts(across) - lifts(fromRun);
    }
    for (let k = -1; k < n; k++) {
      if (k >= i - 1 && k <= last) continue; // where it already is
      work++;
      // Putting it in: x -> y becomes x -> run -> y, the run either way round.
      const xx = k < 0 ? fromX : bx[k]!;
      const xy = k < 0 ? fromY : by[k]!;
      const hasNext = k + 1 < n;
      const nx = hasNext ? ax[k + 1]! : 0;
      const ny = hasNext ? ay[k + 1]! : 0;
      const gap0 = hasNext ? dist(xx, xy, nx, ny) : 0;
      const lift0 = hasNext ? lifts(gap0) : 0;
      // Forwards.
      let inTo = dist(xx, xy, fx, fy);
      let outOf = hasNext ? dist(lx, ly, nx, ny) : 0;
      let backwards = false;
      let ok = better(outTravel + inTo + outOf - gap0, outLifts + lifts(inTo) + (hasNext ? lifts(outOf) : 0) - lift0);
      if (!ok) {
        inTo = dist(xx, xy, lx, ly);
        outOf = hasNext ? dist(fx, fy, nx, ny) : 0;
        backwards = true;
        ok = better(outTravel + inTo + outOf - gap0, outLifts + lifts(inTo) + (hasNext ? lifts(outOf) : 0) - lift0);
      }
      if (ok) {
        t.move(i, len, k, backwards);
        work += Math.abs(k - i) + len;
        improved = true;
        break; // the tour changed under this run: go on with the next one
      }
    }
  }
  return [work, improved];
}

/** 2-opt and Or-opt passes over an order (see the module comment), up to `maxMoves` of work. */
export function improveOrder(strokes: readonly PenStroke[], from: Point, maxMoves = MAX_MOVES): PenStroke[] {
  const n = strokes.length;
  if (n < 2) return [...strokes];
  const t = new Tour(strokes);
  let budget = maxMoves;
  let improved = true;
  while (improved && budget > 0) {
    improved = false;
    for (const len of [0, 1, 2, 3]) {
      if (budget <= 0) break;
      const [work, better] = len === 0 ? twoOptPass(t, from.x, from.y, budget) : orOptPass(t, len, from.x, from.y, budget);
      budget -= work;
      improved ||= better;
    }
  }
  return t.stroke.map((s, i) => (t.reversed[i] ? { ...strokes[s]!, path: reversePath(strokes[s]!.path) } : strokes[s]!));
}

/** The order the strokes are drawn in: greedy nearest-end, then improved. */
export function penOrder(strokes: readonly PenStroke[], from: Point): PenStroke[] {
  return improveOrder(greedyOrder(strokes, from), from);
}
