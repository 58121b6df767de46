/**
 * Pen order for plotters: strokes are drawn nearest-first from where the pen is, each from
 * whichever end is nearer, so a stroke that starts where the last one ended is drawn without
 * lifting the pen. Pen-up travel is measured from the origin (the plotter's home) both in the order
 * the strokes were found and in the order chosen, so callers can see what ordering saved.
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
export function penOrder(strokes: readonly PenStroke[], from: Point): PenStroke[] {
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
