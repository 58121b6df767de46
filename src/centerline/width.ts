/**
 * Width of each stroke, measured from the ink: the ink a stroke's stretch of skeleton is nearest to
 * (coverage summed, so anti-aliased edges count for the fraction they cover) divided by that
 * stretch's length. Ends and junctions are left out, where caps and crossings add or share ink; the
 * distance transform (the stroke's half-width there) says how far they reach. A stroke too short
 * for that falls back to the distance transform along it.
 */
import type { SkeletonGraph } from './graph.js';
import type { Stroke } from './strokes.js';

const NEIGHBOURS: readonly [number, number][] = [
  [0, -1], [1, -1], [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1],
];

/** Skeleton pixels this much beyond a node's half-width are clear of its cap or crossing. */
const CLEARANCE = 1.5;

export function strokeWidths(
  graph: SkeletonGraph,
  strokes: readonly Stroke[],
  coverage: Uint8Array,
  dt: Float32Array,
  width: number,
  height: number,
): number[] {
  const label = new Int32Array(width * height).fill(-1);
  const queue: number[] = [];
  const length = new Float64Array(graph.edges.length);
  const area = new Float64Array(graph.edges.length);
  graph.edges.forEach((edge, i) => {
    // Only the edge's own ends can be near its pixels (other junctions are beyond them).
    const ends = [graph.nodes[edge.a], graph.nodes[edge.b]].filter((n) => n !== undefined);
    let prevIncluded: { x: number; y: number } | undefined;
    for (const p of edge.points) {
      const x = Math.floor(p.x);
      const y = Math.floor(p.y);
      const at = y * width + x;
      const excluded = ends.some((n) => Math.hypot(n.x - p.x, n.y - p.y) < n.r + CLEARANCE);
      if (label[at] === -1) {
        label[at] = excluded ? -2 : i;
        queue.push(at);
      }
      if (!excluded && prevIncluded) length[i]! += Math.hypot(p.x - prevIncluded.x, p.y - prevIncluded.y);
      prevIncluded = excluded ? undefined : p;
    }
  });
  // Each inked pixel goes to the skeleton pixel it is nearest to (breadth first through the ink).
  for (let head = 0; head < queue.length; head++) {
    const at = queue[head]!;
    const owner = label[at]!;
    if (owner >= 0) area[owner]! += coverage[at]! / 255;
    const x = at % width;
    const y = (at - x) / width;
    for (const [dx, dy] of NEIGHBOURS) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const q = ny * width + nx;
      if (label[q] !== -1 || coverage[q] === 0) continue;
      label[q] = owner;
      queue.push(q);
    }
  }
  return strokes.map((s) => {
    let a = 0;
    let l = 0;
    for (const e of s.edges) {
      a += area[e]!;
      l += length[e]!;
    }
    if (l >= 3) return a / l;
    // Short stroke: twice the distance transform's peak less the half pixel it counts from pixel centres.
    let peak = 0;
    for (const p of s.points) peak = Math.max(peak, dt[Math.floor(p.y) * width + Math.floor(p.x)] ?? 0);
    return Math.max(1, 2 * peak - 1);
  });
}
