/**
 * The skeleton as a graph: nodes are line ends and junctions, edges the pixel chains between them.
 * Thinning splits one crossing into several junction pixels joined by short chains and grows short
 * spurs at corners and bumps; both are undone here, judged by the stroke's own width (the distance
 * transform): junctions closer than a stroke width are one junction, and a branch shorter than the
 * stroke width that ends freely is a spur. Each junction is then placed where its strokes' lines
 * meet (least squares), not where thinning happened to leave a pixel.
 */
import { thin } from './thin.js';

export interface Point {
  x: number;
  y: number;
}

export interface GraphNode {
  /** Position in image pixels (pixel centres at +0.5). */
  x: number;
  y: number;
  /** Half the stroke width here: the largest distance-transform value over the node's pixels. */
  r: number;
  /** A junction (3+ branches when found), as opposed to a free end. */
  junction: boolean;
}

export interface GraphEdge {
  a: number;
  /** The other node; equal to `a` for a loop through one node; -1 with a = -1 for a closed curve with no node. */
  b: number;
  /** Pixel centres from node a to node b, both ends included. */
  points: Point[];
  removed?: boolean;
}

export interface SkeletonGraph {
  nodes: (GraphNode | undefined)[];
  edges: GraphEdge[];
}

const NEIGHBOURS: readonly [number, number][] = [
  [0, -1], [1, -1], [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1],
];

export function pathLength(points: readonly Point[]): number {
  let length = 0;
  for (let i = 1; i < points.length; i++) length += Math.hypot(points[i]!.x - points[i - 1]!.x, points[i]!.y - points[i - 1]!.y);
  return length;
}

/** Thins the mask and reads the skeleton's graph. `dt` is the mask's distance transform. */
export function skeletonGraph(mask: Uint8Array, width: number, height: number, dt: Float32Array): SkeletonGraph {
  // One pixel of background around the image, so neighbour reads never leave the array.
  const W = width + 2;
  const H = height + 2;
  const sk = new Uint8Array(W * H);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sk[(y + 1) * W + x + 1] = mask[y * width + x]!;
  thin(sk, W, H);
  const off = NEIGHBOURS.map(([dx, dy]) => dy * W + dx);
  const pixels: number[] = [];
  for (let p = 0; p < sk.length; p++) if (sk[p]) pixels.push(p);
  const degree = new Uint8Array(W * H);
  for (const p of pixels) {
    let d = 0;
    for (const o of off) d += sk[p + o]!;
    degree[p] = d;
  }
  const point = (p: number): Point => ({ x: (p % W) - 1 + 0.5, y: Math.floor(p / W) - 1 + 0.5 });
  const radius = (p: number) => dt[(Math.floor(p / W) - 1) * width + (p % W) - 1]!;

  // Nodes: each 8-connected group of junction pixels is one junction; every end pixel is one end.
  const nodeOf = new Int32Array(W * H).fill(-1);
  const nodes: GraphNode[] = [];
  const nodePixels: number[][] = [];
  for (const p of pixels) {
    if (degree[p] === 2 || nodeOf[p]! >= 0) continue;
    const id = nodes.length;
    const group = [p];
    nodeOf[p] = id;
    if (degree[p]! >= 3) {
      for (let i = 0; i < group.length; i++) {
        for (const o of off) {
          const q = group[i]! + o;
          if (sk[q] && degree[q]! >= 3 && nodeOf[q]! < 0) {
            nodeOf[q] = id;
            group.push(q);
          }
        }
      }
    }
    let sx = 0;
    let sy = 0;
    let r = 0;
    for (const q of group) {
      const c = point(q);
      sx += c.x;
      sy += c.y;
      r = Math.max(r, radius(q));
    }
    nodes.push({ x: sx / group.length, y: sy / group.length, r, junction: degree[p]! >= 3 });
    nodePixels.push(group);
  }

  // Edges: walk from every node pixel along chains of two-neighbour pixels to the next node.
  const edges: GraphEdge[] = [];
  const visited = new Uint8Array(W * H);
  const direct = new Set<string>();
  for (let id = 0; id < nodes.length; id++) {
    for (const start of nodePixels[id]!) {
      for (const o of off) {
        const first = start + o;
        if (!sk[first]) continue;
        const other = nodeOf[first]!;
        if (other === id) continue;
        if (other >= 0) {
          const key = start < first ? `${start},${first}` : `${first},${start}`;
          if (!direct.has(key)) {
            direct.add(key);
            edges.push({ a: id, b: other, points: [point(start), point(first)] });
          }
          continue;
        }
        if (visited[first]) continue;
        const chain = [start, first];
        visited[first] = 1;
        let prev = start;
        let cur = first;
        let end = -1;
        for (;;) {
          let next = -1;
          for (const o2 of off) {
            const q = cur + o2;
            if (q !== prev && sk[q] && (nodeOf[q]! >= 0 || !visited[q])) {
              next = q;
              if (nodeOf[q]! >= 0) break;
            }
          }
          if (next < 0) break;
          chain.push(next);
          if (nodeOf[next]! >= 0) {
            end = nodeOf[next]!;
            break;
          }
          visited[next] = 1;
          prev = cur;
          cur = next;
        }
        if (end >= 0) edges.push({ a: id, b: end, points: chain.map(point) });
      }
    }
  }
  // Closed curves with no junction or end (an "O"): one edge around, starting anywhere.
  for (const p of pixels) {
    if (visited[p] || degree[p] !== 2 || nodeOf[p]! >= 0) continue;
    const chain = [p];
    visited[p] = 1;
    let prev = -1;
    let cur = p;
    for (;;) {
      let next = -1;
      for (const o of off) {
        const q = cur + o;
        if (q !== prev && sk[q] && !visited[q]) {
          next = q;
          break;
        }
      }
      if (next < 0) break;
      chain.push(next);
      visited[next] = 1;
      prev = cur;
      cur = next;
    }
    chain.push(p);
    edges.push({ a: -1, b: -1, points: chain.map(point) });
  }
  const graph: SkeletonGraph = { nodes, edges };
  clusterJunctions(graph);
  pruneSpurs(graph);
  placeJunctions(graph);
  return graph;
}

function degreeOf(graph: SkeletonGraph): Int32Array {
  const degree = new Int32Array(graph.nodes.length);
  for (const e of graph.edges) {
    if (e.removed || e.a < 0) continue;
    degree[e.a]!++;
    degree[e.b]!++;
  }
  return degree;
}

/** Junctions joined by an edge shorter than their stroke width become one (thinning splits an X in two). */
function clusterJunctions(graph: SkeletonGraph): void {
  const parent = graph.nodes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (const e of graph.edges) {
    if (e.a < 0 || e.a === e.b) continue;
    const a = graph.nodes[e.a]!;
    const b = graph.nodes[e.b]!;
    if (!a.junction || !b.junction) continue;
    if (pathLength(e.points) <= a.r + b.r + 1) {
      parent[find(e.a)] = find(e.b);
      e.removed = true;
    }
  }
  const members = new Map<number, number[]>();
  graph.nodes.forEach((_, i) => {
    const root = find(i);
    if (root !== i) (members.get(root) ?? members.set(root, [root]).get(root)!).push(i);
  });
  for (const [root, ids] of members) {
    const r = Math.max(...ids.map((i) => graph.nodes[i]!.r));
    const x = ids.reduce((s, i) => s + graph.nodes[i]!.x, 0) / ids.length;
    const y = ids.reduce((s, i) => s + graph.nodes[i]!.y, 0) / ids.length;
    graph.nodes[root] = { x, y, r, junction: true };
    for (const i of ids) if (i !== root) graph.nodes[i] = undefined;
  }
  for (const e of graph.edges) {
    if (e.a < 0) continue;
    e.a = find(e.a);
    e.b = find(e.b);
    // A chain that leaves a cluster and comes back into it without going anywhere is inside the junction.
    if (!e.removed && e.a === e.b && pathLength(e.points) <= 2 * graph.nodes[e.a]!.r + 2) e.removed = true;
  }
}

/**
 * Removes branches that end freely within one stroke width of their junction (repeatedly: removing
 * one can make another junction a plain bend), and joins the two chains of a junction left with two.
 */
function pruneSpurs(graph: SkeletonGraph): void {
  for (let changed = true; changed; ) {
    changed = false;
    let degree = degreeOf(graph);
    for (const e of graph.edges) {
      if (e.removed || e.a < 0 || e.a === e.b) continue;
      for (const [end, hub] of [[e.a, e.b], [e.b, e.a]] as const) {
        const junction = graph.nodes[hub]!;
        if (degree[end] !== 1 || degree[hub]! < 3) continue;
        const length = pathLength(e.points);
        if (length < Math.max(2, 2 * junction.r)) {
          e.removed = true;
          graph.nodes[end] = undefined;
          degree[hub]!--;
          degree[end] = 0;
          changed = true;
          break;
        }
      }
    }
    degree = degreeOf(graph);
    for (let id = 0; id < graph.nodes.length; id++) {
      if (!graph.nodes[id] || degree[id] !== 2 || !graph.nodes[id]!.junction) continue;
      const two = graph.edges.filter((e) => !e.removed && (e.a === id || e.b === id));
      if (two.length !== 2) continue; // a loop through this node alone: leave it
      const [e1, e2] = two as [GraphEdge, GraphEdge];
      const p1 = e1.b === id ? e1.points : [...e1.points].reverse();
      const p2 = e2.a === id ? e2.points : [...e2.points].reverse();
      const a = e1.b === id ? e1.a : e1.b;
      const b = e2.a === id ? e2.b : e2.a;
      e1.removed = true;
      e2.removed = true;
      graph.nodes[id] = undefined;
      graph.edges.push({ a, b, points: [...p1, ...p2.slice(1)] });
      changed = true;
    }
  }
  graph.edges = graph.edges.filter((e) => !e.removed);
}

/** Unit direction of an edge leaving `node` and a point on that line, from the chain beyond the junction's blur. */
export function leavingLine(edge: GraphEdge, atStart: boolean, node: GraphNode): { dx: number; dy: number; mx: number; my: number } | undefined {
  const pts = atStart ? edge.points : [...edge.points].reverse();
  const near = node.r + 1;
  const far = node.r + 1 + Math.max(4, 2 * node.r);
  const used = pts.filter((p) => {
    const d = Math.hypot(p.x - node.x, p.y - node.y);
    return d >= near && d <= far;
  });
  if (used.length < 2) {
    const last = pts[Math.min(pts.length - 1, Math.max(1, Math.round(far)))]!;
    const dx = last.x - node.x;
    const dy = last.y - node.y;
    const len = Math.hypot(dx, dy);
    return len > 0 ? { dx: dx / len, dy: dy / len, mx: last.x, my: last.y } : undefined;
  }
  const first = used[0]!;
  const last = used[used.length - 1]!;
  const dx = last.x - first.x;
  const dy = last.y - first.y;
  const len = Math.hypot(dx, dy);
  if (len === 0) return undefined;
  const mx = used.reduce((s, p) => s + p.x, 0) / used.length;
  const my = used.reduce((s, p) => s + p.y, 0) / used.length;
  return { dx: dx / len, dy: dy / len, mx, my };
}

/** Each junction goes to the point nearest (least squares) to the lines of its branches. */
function placeJunctions(graph: SkeletonGraph): void {
  const lines = new Map<number, { dx: number; dy: number; mx: number; my: number }[]>();
  for (const e of graph.edges) {
    if (e.a < 0) continue;
    for (const [id, atStart] of [[e.a, true], [e.b, false]] as const) {
      const node = graph.nodes[id]!;
      if (!node.junction) continue;
      const line = leavingLine(e, atStart, node);
      if (line) (lines.get(id) ?? lines.set(id, []).get(id)!).push(line);
    }
  }
  for (const [id, ls] of lines) {
    const node = graph.nodes[id]!;
    let a11 = 0;
    let a12 = 0;
    let a22 = 0;
    let b1 = 0;
    let b2 = 0;
    for (const { dx, dy, mx, my } of ls) {
      // Projection onto the line's normal: (I - d dᵀ).
      const n11 = 1 - dx * dx;
      const n12 = -dx * dy;
      const n22 = 1 - dy * dy;
      a11 += n11;
      a12 += n12;
      a22 += n22;
      b1 += n11 * mx + n12 * my;
      b2 += n12 * mx + n22 * my;
    }
    const det = a11 * a22 - a12 * a12;
    if (ls.length < 2 || det < 0.05 * ls.length * ls.length) continue; // near-parallel: keep the centroid
    const x = (a22 * b1 - a12 * b2) / det;
    const y = (a11 * b2 - a12 * b1) / det;
    if (Math.hypot(x - node.x, y - node.y) <= node.r + 1.5) {
      node.x = x;
      node.y = y;
    }
  }
}
