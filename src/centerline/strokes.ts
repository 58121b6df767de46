/**
 * Strokes from the skeleton graph, the way a person would draw them: at each junction the branches
 * that continue each other (most nearly opposite directions) are one stroke going through, so an X
 * is two strokes and the bar of a T one; a branch left over ends at the junction's point, so every
 * junction meets exactly. Near a junction the skeleton bends towards the blob thinning made of it;
 * those pixels are replaced by the junction's point.
 */
import { leavingLine, type GraphEdge, type GraphNode, type Point, type SkeletonGraph } from './graph.js';

export interface Stroke {
  points: Point[];
  closed: boolean;
  /** Indices of the graph edges it is made of (for measuring its width). */
  edges: number[];
  /** Whether the first and the last point are free line ends (not junctions). */
  freeEnds: [boolean, boolean];
}

/** Branches continue each other through a junction when they turn by less than this (cos of 180° - 40°). */
const CONTINUE_COS = -Math.cos((40 * Math.PI) / 180);

interface End {
  edge: number;
  atStart: boolean;
}

/** The edge's points from the given end, with the pixels inside junction blurs replaced by the junction points. */
function edgePoints(graph: SkeletonGraph, edge: GraphEdge, fromStart: boolean): Point[] {
  let pts = fromStart ? edge.points : [...edge.points].reverse();
  const first = fromStart ? edge.a : edge.b;
  const last = fromStart ? edge.b : edge.a;
  const trim = (node: GraphNode | undefined, points: Point[]): Point[] => {
    if (!node || !node.junction) return points;
    const within = node.r + 0.5;
    let i = 0;
    while (i < points.length - 2 && Math.hypot(points[i]!.x - node.x, points[i]!.y - node.y) < within) i++;
    return [{ x: node.x, y: node.y }, ...points.slice(i)];
  };
  if (first >= 0) pts = trim(graph.nodes[first], pts);
  if (last >= 0) pts = trim(graph.nodes[last], [...pts].reverse()).reverse();
  return pts;
}

export function buildStrokes(graph: SkeletonGraph): Stroke[] {
  const { nodes, edges } = graph;
  const endsAt = new Map<number, End[]>();
  edges.forEach((e, i) => {
    if (e.a < 0) return;
    (endsAt.get(e.a) ?? endsAt.set(e.a, []).get(e.a)!).push({ edge: i, atStart: true });
    (endsAt.get(e.b) ?? endsAt.set(e.b, []).get(e.b)!).push({ edge: i, atStart: false });
  });
  // partner[2 * edge + (atStart ? 0 : 1)] = the end it continues into, or -1.
  const partner = new Int32Array(edges.length * 2).fill(-1);
  const key = (e: End) => 2 * e.edge + (e.atStart ? 0 : 1);
  for (const [id, ends] of endsAt) {
    const node = nodes[id]!;
    if (ends.length < 2) continue;
    const dirs = ends.map((e) => leavingLine(edges[e.edge]!, e.atStart, node));
    const pairs: { i: number; j: number; cos: number }[] = [];
    for (let i = 0; i < ends.length; i++) {
      for (let j = i + 1; j < ends.length; j++) {
        const a = dirs[i];
        const b = dirs[j];
        const cos = a && b ? a.dx * b.dx + a.dy * b.dy : 0;
        // Two branches only: always one stroke through (a bend, or what a junction was before its spur went).
        if (ends.length === 2 || cos < CONTINUE_COS) pairs.push({ i, j, cos });
      }
    }
    pairs.sort((p, q) => p.cos - q.cos);
    const used = new Set<number>();
    for (const { i, j } of pairs) {
      if (used.has(i) || used.has(j)) continue;
      used.add(i);
      used.add(j);
      partner[key(ends[i]!)] = key(ends[j]!);
      partner[key(ends[j]!)] = key(ends[i]!);
    }
  }

  const done = new Uint8Array(edges.length);
  const strokes: Stroke[] = [];
  const walk = (startEdge: number, fromStart: boolean): Stroke => {
    const points: Point[] = [];
    const ids: number[] = [];
    let edge = startEdge;
    let forward = fromStart;
    let lastNode = -1;
    const free = (id: number) => id >= 0 && graph.nodes[id] !== undefined && !graph.nodes[id]!.junction;
    const e0 = edges[startEdge]!;
    const freeStart = free(fromStart ? e0.a : e0.b);
    for (;;) {
      done[edge] = 1;
      ids.push(edge);
      const pts = edgePoints(graph, edges[edge]!, forward);
      points.push(...(points.length > 0 ? pts.slice(1) : pts));
      const exitKey = 2 * edge + (forward ? 1 : 0);
      const next = partner[exitKey]!;
      if (next < 0) {
        lastNode = forward ? edges[edge]!.b : edges[edge]!.a;
        break;
      }
      const nextEdge = next >> 1;
      if (done[nextEdge]) {
        lastNode = -1;
        break;
      }
      edge = nextEdge;
      forward = (next & 1) === 0;
    }
    const closed = points.length > 2 && Math.hypot(points[0]!.x - points.at(-1)!.x, points[0]!.y - points.at(-1)!.y) < 1e-6;
    return { points, closed, edges: ids, freeEnds: [freeStart && !closed, free(lastNode) && !closed] };
  };
  // Open strokes start at an end no branch continues; what is left are closed loops.
  for (let i = 0; i < edges.length; i++) {
    if (done[i]) continue;
    const e = edges[i]!;
    if (e.a < 0) {
      done[i] = 1;
      strokes.push({ points: e.points, closed: true, edges: [i], freeEnds: [false, false] });
      continue;
    }
    if (partner[2 * i]! < 0) strokes.push(walk(i, true));
    else if (partner[2 * i + 1]! < 0) strokes.push(walk(i, false));
  }
  for (let i = 0; i < edges.length; i++) if (!done[i]) strokes.push(walk(i, true));
  // A node with no branch left is a dot.
  const connected = new Set<number>();
  for (const e of edges) {
    connected.add(e.a);
    connected.add(e.b);
  }
  nodes.forEach((n, id) => {
    if (n && !connected.has(id)) strokes.push({ points: [{ x: n.x, y: n.y }], closed: false, edges: [], freeEnds: [true, true] });
  });
  return strokes;
}
