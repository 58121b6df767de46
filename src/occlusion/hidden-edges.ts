/**
 * Edges no one sees, cut short. In a stacked drawing every pixel shows its topmost paint, so a
 * shape's outline may run anywhere across pixels that a later opaque shape covers: only where it
 * borders earlier shapes (or nothing) must it follow its pixels. Tracers outline every region in
 * full, so two neighbours each trace their common border, and a region under many small ones
 * traces all of theirs. Here each outline keeps its vertices only where they are seen and cuts
 * across the covered stretches with straight chords: each shared border is then drawn by the
 * later of its two shapes only.
 *
 * Read at pixel centres, the way the region fit (gradients/regions.ts) reads a drawing: every
 * pixel the moved outline touches has its centre owned by a later opaque shape, so no pixel that
 * is seen changes its paint. The pixels under the later shape's own anti-aliased edge can: the
 * earlier shape now reaches under it instead of leaving a hairline of what lies beneath.
 */
import { polygonPathData } from '../pipeline/optimize.js';
import type { PathTag } from '../gradients/regions.js';

/** What the cut reads of the drawing: who owns each pixel centre, and which paints hide what is under them. */
export interface Coverage {
  /** Topmost path at each pixel centre (gradients/regions.ts ownerMap), -1 for none. */
  owner: Int32Array;
  width: number;
  height: number;
  /** Gradient ids with a stop that is not opaque. */
  translucent: ReadonlySet<string>;
}

/**
 * `drawn[j]` is path j's tag as it will be written (null: dropped); `paths` are the same paths
 * parsed, in user units of the owner map's pixel grid. Answers the tags with hidden stretches
 * cut short, `precision` decimals kept; paths with curves or a stroke are left as they are.
 */
export function cutHiddenEdges(drawn: readonly (string | null)[], paths: readonly PathTag[], coverage: Coverage, precision: number): (string | null)[] {
  const grid: Grid = { ...coverage, opaque: drawn.map((tag) => tag !== null && isOpaque(tag, coverage.translucent)) };
  return drawn.map((tag, index) => (tag !== null && polygonOnly(tag) && !/\sstroke=/.test(tag) ? rewrite(tag, paths[index]!, index, grid, precision) : tag));
}

interface Grid extends Coverage {
  /** Whether each path hides what is under it (a dropped path does not). */
  opaque: boolean[];
}

const D_ATTR = /\sd="([^"]*)"/;

/** Polygons only: a curve's ring is its end points, which would cut across its bulge. */
function polygonOnly(tag: string): boolean {
  const d = D_ATTR.exec(tag);
  return d !== null && !/[CcSsQqTtAa]/.test(d[1]!);
}

/** The path's tag with its outline cut short, or null when no pixel shows it. */
function rewrite(tag: string, path: PathTag, index: number, grid: Grid, precision: number): string | null {
  const edges = new EdgeSet(path.rings);
  const rings = path.rings.map((r, k) => cutRing(r, k, edges, index, grid)).filter((r) => r.length >= 6);
  if (rings.length === 0) return null;
  // In the optimiser's shortest relative form, local to the path's groups.
  const d = polygonPathData(rings, precision, path.tx, path.ty);
  return tag.replace(D_ATTR, () => ` d="${d}"`);
}

/**
 * One ring, greedily: from each kept vertex, the chord to the farthest later vertex whose cut-off
 * area touches only pixels whose centres later opaque paths own. The area between the outline and a
 * chord grows by one triangle per vertex skipped, so each step tests only that triangle. A chord
 * must not cross the path's other edges either: the renderer fills by non-zero winding, the
 * pixel test (like the region fit) by even-odd, and the two agree only while rings do not cross.
 */
function cutRing(ring: number[], r: number, edges: EdgeSet, index: number, grid: Grid): number[] {
  const n = ring.length / 2;
  if (n < 4) return ring;
  // Start at a vertex that is seen (it cannot be cut off from its neighbours), so that no
  // hidden stretch is broken where the ring happens to begin.
  let start = 0;
  for (let v = 0; v < n; v++) {
    const a = ((v + n - 1) % n) * 2;
    const b = ((v + 1) % n) * 2;
    if (!hiddenTriangle(ring[a]!, ring[a + 1]!, ring[v * 2]!, ring[v * 2 + 1]!, ring[b]!, ring[b + 1]!, index, grid)) {
      start = v;
      break;
    }
  }
  const x = (k: number) => ring[((k + start) % n) * 2]!;
  const y = (k: number) => ring[((k + start) % n) * 2 + 1]!;
  const out = [x(0), y(0)];
  let i = 0;
  while (i < n) {
    let best = i + 1;
    for (let k = i + 2; k <= n; k++) {
      if (!hiddenTriangle(x(i), y(i), x(k - 1), y(k - 1), x(k), y(k), index, grid)) break;
      if (edges.crosses(x(i), y(i), x(k), y(k))) continue;
      best = k;
    }
    if (best === n && i === 0) {
      edges.replace(r, start, 0, n, x(0), y(0), x(0), y(0));
      return []; // every pixel the ring touches belongs to later shapes
    }
    if (best < n) out.push(x(best), y(best));
    edges.replace(r, start, i, best, x(i), y(i), x(best), y(best));
    i = best;
  }
  return out;
}

/**
 * True when every pixel that triangle abc touches at all has its centre owned by an opaque path
 * later than `index`. Touched, not only centred inside: a sliver with no pixel centre in it still
 * moves the anti-aliased coverage of the pixels it crosses, and along a row of them that drew a
 * light hairline (kodim01) where only centres were tested.
 */
function hiddenTriangle(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, index: number, grid: Grid): boolean {
  const { owner, opaque, width, height } = grid;
  const top = Math.min(ay, by, cy);
  const bottom = Math.max(ay, by, cy);
  const y0 = Math.max(0, Math.floor(top));
  const y1 = Math.min(height - 1, Math.ceil(bottom) - 1);
  for (let py = y0; py <= y1; py++) {
    // The triangle's x extent within the band py..py+1: its vertices in the band and its edges'
    // crossings of the band's two lines.
    const bandTop = Math.max(py, top);
    const bandBottom = Math.min(py + 1, bottom);
    let lo = Infinity;
    let hi = -Infinity;
    if (ay >= bandTop && ay <= bandBottom) {
      lo = Math.min(lo, ax);
      hi = Math.max(hi, ax);
    }
    if (by >= bandTop && by <= bandBottom) {
      lo = Math.min(lo, bx);
      hi = Math.max(hi, bx);
    }
    if (cy >= bandTop && cy <= bandBottom) {
      lo = Math.min(lo, cx);
      hi = Math.max(hi, cx);
    }
    for (let line = 0; line < 2; line++) {
      const yl = line === 0 ? bandTop : bandBottom;
      if ((ay <= yl) !== (by <= yl)) {
        const x = ax + ((yl - ay) * (bx - ax)) / (by - ay);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      if ((by <= yl) !== (cy <= yl)) {
        const x = bx + ((yl - by) * (cx - bx)) / (cy - by);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      if ((cy <= yl) !== (ay <= yl)) {
        const x = cx + ((yl - cy) * (ax - cx)) / (ay - cy);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    if (lo > hi) continue;
    const xa = Math.max(0, Math.floor(lo));
    const xb = Math.min(width - 1, Math.ceil(hi) - 1);
    for (let px = xa, o = py * width + xa; px <= xb; px++, o++) {
      const j = owner[o]!;
      if (j <= index || !opaque[j]) return false;
    }
  }
  return true;
}

/**
 * The path's current edges: the original ones still standing and the chords already drawn, for
 * the crossing test. Small paths are the rule; a bounding-box test keeps large ones cheap.
 */
class EdgeSet {
  private readonly segs: number[] = [];
  private readonly live: boolean[] = [];
  /** Index of each ring's first edge, to retire the ones a chord replaces. */
  private readonly ringStart: number[] = [];

  constructor(rings: readonly number[][]) {
    for (const r of rings) {
      this.ringStart.push(this.live.length);
      const n = r.length / 2;
      for (let k = 0; k < n; k++) this.add(r[k * 2]!, r[k * 2 + 1]!, r[((k + 1) % n) * 2]!, r[((k + 1) % n) * 2 + 1]!);
    }
  }

  private add(ax: number, ay: number, bx: number, by: number): void {
    this.segs.push(ax, ay, bx, by);
    this.live.push(true);
  }

  /** Whether segment ab properly crosses a live edge (shared end points do not count). */
  crosses(ax: number, ay: number, bx: number, by: number): boolean {
    const minX = Math.min(ax, bx);
    const maxX = Math.max(ax, bx);
    const minY = Math.min(ay, by);
    const maxY = Math.max(ay, by);
    const s = this.segs;
    for (let e = 0; e < this.live.length; e++) {
      if (!this.live[e]) continue;
      const cx = s[e * 4]!;
      const cy = s[e * 4 + 1]!;
      const dx = s[e * 4 + 2]!;
      const dy = s[e * 4 + 3]!;
      if (Math.max(cx, dx) < minX || Math.min(cx, dx) > maxX || Math.max(cy, dy) < minY || Math.min(cy, dy) > maxY) continue;
      if (properCross(ax, ay, bx, by, cx, cy, dx, dy)) return true;
    }
    return false;
  }

  /** Ring `r`'s edges i..k-1, counted from vertex `start`, are replaced by the chord from vertex i to vertex k. */
  replace(r: number, start: number, i: number, k: number, ax: number, ay: number, bx: number, by: number): void {
    const base = this.ringStart[r]!;
    const n = (this.ringStart[r + 1] ?? this.live.length) - base;
    for (let e = i; e < k; e++) this.live[base + ((e + start) % n)] = false;
    if (k - i > 1 && (ax !== bx || ay !== by)) this.add(ax, ay, bx, by);
  }
}

/** Segments ab and cd cross at a point interior to both. */
function properCross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const d1 = orient(cx, cy, dx, dy, ax, ay);
  const d2 = orient(cx, cy, dx, dy, bx, by);
  const d3 = orient(ax, ay, bx, by, cx, cy);
  const d4 = orient(ax, ay, bx, by, dx, dy);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

function orient(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

/** Gradients with a stop that is not opaque: what shows through them is still seen. */
export function translucentGradients(defs: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const m of defs.join('').matchAll(/<(linearGradient|radialGradient)\b[^>]*\sid="([^"]+)"[^>]*>([\s\S]*?)<\/\1>/g)) {
    if (/stop-opacity/.test(m[3]!)) ids.add(m[2]!);
  }
  return ids;
}

function isOpaque(tag: string, translucent: ReadonlySet<string>): boolean {
  if (/\s(fill-opacity|opacity|stroke)=/.test(tag)) return false;
  const fill = /\sfill="([^"]*)"/.exec(tag)?.[1] ?? '';
  if (fill === 'none' || fill === 'transparent') return false;
  const url = /^url\(#([^)]+)\)$/.exec(fill);
  return url === null || !translucent.has(url[1]!);
}
