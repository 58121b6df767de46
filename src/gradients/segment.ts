/**
 * One segmentation for the whole image, decided before any tiling.
 *
 * Tiles traced independently disagree at their shared edges (each clusters, filters speckles and
 * merges layers on its own): that is where the straight lines of steps came from. Here the
 * image's pixels are put on one global palette, split into connected regions, and neighbouring
 * regions are merged greedily, cheapest first, while one paint (flat or linear gradient, see
 * fit.ts) explains both for little more error than each alone: the error a merge adds, per
 * pixel of boundary it removes (a boundary costs path bytes), must stay under `mergeCost`.
 * Regions under `minArea` pixels are merged into their cheapest neighbour whatever it costs.
 *
 * The result is repainted flat, one colour per region, so any tracer (tiled or not) sees the same
 * regions on both sides of a tile edge; the paints are then refitted per path (fill.ts).
 */
import type { RgbaImage } from '../engines/engine.js';
import { SRGB8_TO_LINEAR, linearRgbToOklabInto, oklabToSrgb8 } from '../color/oklab.js';
import { quantize, TRANSPARENT } from '../color/quantize.js';
import { fitFlat, fitLinear, Moments } from './fit.js';
import { RegionGraph } from './region-graph.js';

export interface SegmentOptions {
  /** Size of the global palette the regions start from. */
  colours: number;
  /** Largest added squared Oklab error per boundary pixel a merge may cost. */
  mergeCost: number;
  /** Regions smaller than this many pixels are always merged. */
  minArea: number;
  /** Pixels below this alpha are transparent (not part of any region). */
  alphaThreshold: number;
  /** Let a linear gradient explain a merged region (else flat colours only). */
  gradients: boolean;
}

/** A merge's cost is recomputed once a side has grown by this factor since it was costed. */
const STALE_GROWTH = 1.1;
/** Regions of at least this many pixels may be explained by a gradient when merging. */
const GRADIENT_MIN_PIXELS = 24;

export interface Segmentation {
  /** The image repainted flat, one colour per region. */
  image: RgbaImage;
  /** Region of every pixel (dense numbers from 0), -1 where transparent. */
  labels: Int32Array;
  regions: number;
  /** Every pixel of the source in Oklab (3 per pixel), where it has a region: shared, read only. */
  labs: Float32Array;
}

/**
 * What every rung of a ladder shares for one image: the palette's connected regions, their flat
 * sums and every pixel in Oklab (about 20 bytes a trace pixel, held while the image is), and the
 * flat merge at the coarsest limit run so far, with the list of its merges in order. A ladder
 * segments the same image at several limits, and the flat merge up to a larger limit is the one
 * up to a smaller limit carried on (same candidates, cheapest first): a coarser rung carries it on,
 * a finer one replays the first merges of the list (those before the first that costs more than
 * its limit). Either had cost the whole segmentation again (kodim05: ~700 ms of its ~2 s).
 */
interface Base {
  /** Connected component of every pixel, -1 where transparent (never changed once built). */
  comp: Int32Array;
  count: number;
  /** Per component: pixels, sum L, sum a, sum b (as seen over a contrasting background). */
  flat: Float64Array;
  /** Every pixel in Oklab (true colour). */
  labs: Float32Array;
  /** The flat merge at the coarsest limit asked for so far, carried on to coarser ones. */
  flatMerge?: FlatMerge;
}

interface FlatMerge {
  limit: number;
  parent: Int32Array;
  adj: RegionGraph;
  flat: Float64Array;
  run: MergeRun;
  /** Every merge made, in order: what was kept, what went, and what it cost. */
  log: MergeLog;
}

/** The partition of a flat merge: what stage 2 starts from, its own to change. */
interface Partition {
  parent: Int32Array;
  flat: Float64Array;
  adj: RegionGraph;
}

const bases = new WeakMap<RgbaImage, Map<string, Base>>();

/** Segments `image` (which must not change afterwards: what rungs share is kept per image object). */
export function segmentImage(image: RgbaImage, options: SegmentOptions): Segmentation {
  const { width, height, data } = image;
  const n = width * height;
  const base = baseOf(image, options);
  const { comp, count, labs } = base;
  if (count === 0) return { image, labels: comp.slice(), regions: 0, labs };

  // Stage 1, flat colours (cheap: sums only): carried on, or replayed up to a finer limit.
  const stage1 = (base.flatMerge ??= startFlatMerge(base, width, n, options.minArea));
  let partition: Partition;
  if (options.mergeCost >= stage1.limit) {
    stage1.run.runTo(options.mergeCost);
    stage1.limit = options.mergeCost;
    // Stage 2 changes the partition only for this limit: it works on copies.
    partition = { parent: stage1.parent.slice(), flat: stage1.flat.slice(), adj: stage1.adj.clone() };
  } else {
    partition = replayFlatMerge(base, width, n, stage1.log, options.mergeCost);
  }
  const { parent, flat, adj } = partition;
  const find = finder(parent);

  // Stage 2, on the regions left: a merge may also be explained by one linear gradient.
  const moments = new Map<number, Moments>();
  for (let p = 0, o = 0; p < n; p++, o += 4) {
    const c = comp[p]!;
    if (c < 0) continue;
    const r = find(c);
    let m = moments.get(r);
    if (!m) moments.set(r, (m = new Moments()));
    m.add((p % width) + 0.5, Math.floor(p / width) + 0.5, labs[p * 3]!, labs[p * 3 + 1]!, labs[p * 3 + 2]!, data[o + 3]! / 255);
  }
  if (options.gradients) {
    const sse = (m: Moments): number => {
      const f = fitFlat(m).sse;
      if (m.pixels < GRADIENT_MIN_PIXELS) return f;
      const lin = fitLinear(m);
      return lin ? Math.min(f, lin.sse) : f;
    };
    const own = new Map<number, number>();
    for (const [r, m] of moments) own.set(r, sse(m));
    // Costed hundreds of thousands of times: one scratch union instead of a new one each time.
    const union = new Moments();
    new MergeRun(adj, parent, find, (i) => moments.get(i)!.pixels, (a, b, boundary) => {
      union.assignUnion(moments.get(a)!, moments.get(b)!);
      return Math.max(0, sse(union) - own.get(a)! - own.get(b)!) / boundary;
    }, (keep, gone) => {
      for (let k = 0; k < 4; k++) flat[keep * 4 + k]! += flat[gone * 4 + k]!;
      const m = moments.get(keep)!;
      m.merge(moments.get(gone)!);
      moments.delete(gone);
      own.set(keep, sse(m));
    }).runTo(options.mergeCost);
  }

  // Repaint: every region in its mean colour as seen (over the contrasting background when
  // partly transparent, so regions differing only in opacity stay apart); the tracer only
  // needs the partition.
  const colour = new Int32Array(count).fill(-1);
  const dense = new Int32Array(count).fill(-1);
  const labels = new Int32Array(n).fill(-1);
  let regions = 0;
  const out = new Uint8Array(n * 4);
  for (let p = 0, o = 0; p < n; p++, o += 4) {
    const c = comp[p]!;
    if (c < 0) continue;
    const r = find(c);
    if (colour[r]! < 0) {
      const w = flat[r * 4]!;
      const rgb = oklabToSrgb8(flat[r * 4 + 1]! / w, flat[r * 4 + 2]! / w, flat[r * 4 + 3]! / w);
      colour[r] = (rgb.r << 16) | (rgb.g << 8) | rgb.b;
      dense[r] = regions++;
    }
    labels[p] = dense[r]!;
    const v = colour[r]!;
    out[o] = v >> 16;
    out[o + 1] = (v >> 8) & 255;
    out[o + 2] = v & 255;
    out[o + 3] = 255;
  }
  return { image: { width, height, data: out }, labels, regions, labs };
}

function baseOf(image: RgbaImage, options: SegmentOptions): Base {
  const key = `${options.colours}/${options.alphaThreshold}/${options.minArea}`;
  let byKey = bases.get(image);
  if (!byKey) bases.set(image, (byKey = new Map()));
  let base = byKey.get(key);
  if (!base) byKey.set(key, (base = buildBase(image, options)));
  return base;
}

function buildBase(image: RgbaImage, options: SegmentOptions): Base {
  const { width, height, data } = image;
  const n = width * height;
  // Partly transparent pixels are seen over a contrasting background: a glow's falloff then
  // starts regions as colour changes do (paints are fitted to true colour and opacity afterwards).
  const seen = overContrast(image, options.alphaThreshold);
  const q = quantize(seen, { maxColors: options.colours, alphaThreshold: options.alphaThreshold });
  const idx = q.indices;
  despeckle(idx, width, height, q.palette);

  // Connected components (4-neighbour) of equal palette index.
  const comp = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let count = 0;
  for (let p = 0; p < n; p++) {
    if (comp[p]! >= 0 || idx[p] === TRANSPARENT) continue;
    const c = idx[p]!;
    let top = 0;
    stack[top++] = p;
    comp[p] = count;
    while (top > 0) {
      const s = stack[--top]!;
      const x = s % width;
      if (x > 0 && comp[s - 1]! < 0 && idx[s - 1] === c) ((comp[s - 1] = count), (stack[top++] = s - 1));
      if (x < width - 1 && comp[s + 1]! < 0 && idx[s + 1] === c) ((comp[s + 1] = count), (stack[top++] = s + 1));
      if (s >= width && comp[s - width]! < 0 && idx[s - width] === c) ((comp[s - width] = count), (stack[top++] = s - width));
      if (s + width < n && comp[s + width]! < 0 && idx[s + width] === c) ((comp[s + width] = count), (stack[top++] = s + width));
    }
    count++;
  }

  const flat = new Float64Array(count * 4); // pixels, sum L, sum a, sum b
  const lab = [0, 0, 0];
  const labs = new Float32Array(n * 3);
  const sd = seen.data;
  for (let p = 0, o = 0; p < n; p++, o += 4) {
    const c = comp[p]!;
    if (c < 0) continue;
    linearRgbToOklabInto(SRGB8_TO_LINEAR[sd[o]!]!, SRGB8_TO_LINEAR[sd[o + 1]!]!, SRGB8_TO_LINEAR[sd[o + 2]!]!, lab);
    flat[c * 4]! += 1;
    flat[c * 4 + 1]! += lab[0]!;
    flat[c * 4 + 2]! += lab[1]!;
    flat[c * 4 + 3]! += lab[2]!;
    linearRgbToOklabInto(SRGB8_TO_LINEAR[data[o]!]!, SRGB8_TO_LINEAR[data[o + 1]!]!, SRGB8_TO_LINEAR[data[o + 2]!]!, lab);
    labs[p * 3] = lab[0]!;
    labs[p * 3 + 1] = lab[1]!;
    labs[p * 3 + 2] = lab[2]!;
  }
  return { comp, count, flat, labs };
}

/**
 * Adjacency of the regions, with shared boundary length: of the components, or of the regions
 * `root` puts them in (one pass over the pixels; building it by replaying every merge's join
 * cost several times as much).
 */
function regionAdjacency(base: Base, width: number, n: number, root: (c: number) => number = (c) => c): RegionGraph {
  const { comp, count } = base;
  const adj = new RegionGraph(count);
  const link = (a: number, b: number) => {
    if (b < 0) return;
    b = root(b);
    if (a === b) return;
    adj.add(a, b, 1);
  };
  for (let p = 0; p < n; p++) {
    const c = comp[p]!;
    if (c < 0) continue;
    const r = root(c);
    if ((p + 1) % width !== 0) link(r, comp[p + 1]!);
    if (p + width < n) link(r, comp[p + width]!);
  }
  return adj;
}

/** The flat merge from the components (nothing merged yet), with Ward's added error of merging two means. */
function startFlatMerge(base: Base, width: number, n: number, minArea: number): FlatMerge {
  const { count } = base;
  const adj = regionAdjacency(base, width, n);
  const parent = new Int32Array(count).map((_, i) => i);
  const flat = base.flat.slice();
  const log = new MergeLog();
  const size = (i: number) => flat[i * 4]!;
  const small = (a: number, b: number) => Math.min(size(a), size(b)) < minArea;
  const run = new MergeRun(adj, parent, finder(parent), size, (a, b, boundary) => {
    const na = flat[a * 4]!;
    const nb = flat[b * 4]!;
    let d = 0;
    for (let k = 1; k < 4; k++) d += (flat[a * 4 + k]! / na - flat[b * 4 + k]! / nb) ** 2;
    const cost = ((na * nb) / (na + nb)) * d / boundary;
    return small(a, b) ? cost - 1e9 : cost;
  }, (keep, gone, cost) => {
    for (let k = 0; k < 4; k++) flat[keep * 4 + k]! += flat[gone * 4 + k]!;
    log.push(keep, gone, cost);
  });
  return { limit: -Infinity, parent, adj, flat, run, log };
}

/**
 * The flat merge up to `limit`, below the one run so far: its merges before the first that cost
 * more than `limit`, made again on the components. A run to `limit` would have popped the same
 * candidates in the same order up to that one, and stopped there.
 */
function replayFlatMerge(base: Base, width: number, n: number, log: MergeLog, limit: number): Partition {
  const parent = new Int32Array(base.count).map((_, i) => i);
  const flat = base.flat.slice();
  for (let i = 0; i < log.size && log.cost[i]! <= limit; i++) {
    const keep = log.keep[i]!;
    const gone = log.gone[i]!;
    parent[gone] = keep;
    for (let k = 0; k < 4; k++) flat[keep * 4 + k]! += flat[gone * 4 + k]!;
  }
  return { parent, flat, adj: regionAdjacency(base, width, n, finder(parent)) };
}

/** The merges of a run, in order, in growable typed arrays. */
class MergeLog {
  keep = new Int32Array(1024);
  gone = new Int32Array(1024);
  cost = new Float64Array(1024);
  size = 0;
  push(keep: number, gone: number, cost: number): void {
    if (this.size === this.keep.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.keep = grow(this.keep);
      this.gone = grow(this.gone);
      this.cost = grow(this.cost);
    }
    this.keep[this.size] = keep;
    this.gone[this.size] = gone;
    this.cost[this.size++] = cost;
  }
}

/** Union-find root lookup with path halving. */
function finder(parent: Int32Array): (i: number) => number {
  return (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
}

/**
 * The image composited over black when its visible pixels are light on average, over white when
 * dark, so opacity spans the whole range of lightness (the image itself when nothing is partly
 * transparent).
 */
export function overContrast(image: RgbaImage, alphaThreshold: number): RgbaImage {
  const { data } = image;
  let soft = false;
  let luma = 0;
  let visible = 0;
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    if (a < alphaThreshold) continue;
    if (a < 255) soft = true;
    luma += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
    visible++;
  }
  if (!soft) return image;
  const bg = luma / visible > 127 ? 0 : 255;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    if (a < alphaThreshold) continue;
    for (let k = 0; k < 3; k++) out[i + k] = Math.round((data[i + k]! * a + bg * (255 - a)) / 255);
    out[i + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}

/**
 * Isolated pixels (no 4-neighbour of the same palette entry) take the nearest colour among their
 * neighbours, twice over: photo noise otherwise starts tens of thousands of one-pixel regions,
 * which the merge would only remove one by one, at far greater cost.
 */
function despeckle(idx: Uint16Array, width: number, height: number, palette: readonly { r: number; g: number; b: number }[]): void {
  const labs = palette.map((c) => {
    const out = [0, 0, 0];
    linearRgbToOklabInto(SRGB8_TO_LINEAR[c.r]!, SRGB8_TO_LINEAR[c.g]!, SRGB8_TO_LINEAR[c.b]!, out);
    return out;
  });
  const dist = (i: number, j: number) => (labs[i]![0]! - labs[j]![0]!) ** 2 + (labs[i]![1]! - labs[j]![1]!) ** 2 + (labs[i]![2]! - labs[j]![2]!) ** 2;
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1, p = y * width + 1; x < width - 1; x++, p++) {
        const c = idx[p]!;
        if (c === TRANSPARENT) continue;
        const n4 = [idx[p - 1]!, idx[p + 1]!, idx[p - width]!, idx[p + width]!];
        if (n4.includes(c)) continue;
        let best = -1;
        let bestD = Infinity;
        for (const o of n4) {
          if (o === TRANSPARENT) continue;
          const d = dist(c, o);
          if (d < bestD) {
            bestD = d;
            best = o;
          }
        }
        if (best >= 0) idx[p] = best;
      }
    }
  }
}

interface MergeCandidate {
  cost: number;
  a: number;
  b: number;
  va: number;
  vb: number;
}

/**
 * Merges neighbouring regions, cheapest first, while the cost is at most a limit; `runTo` a larger
 * limit carries on where the last one stopped, exactly as one run to that limit would have gone.
 * Costs are recomputed lazily: a popped candidate whose side has grown by STALE_GROWTH since it
 * was costed is costed again and pushed back (re-costing every neighbour of a big region at each
 * merge would be quadratic; a region a tenth larger changes a merge's cost little).
 */
class MergeRun {
  private readonly heap = new CostHeap();
  /** The candidate that stopped the last run: over its limit, the first one a larger limit merges. */
  private next: MergeCandidate | undefined;

  constructor(
    private readonly adj: RegionGraph,
    private readonly parent: Int32Array,
    private readonly find: (i: number) => number,
    private readonly size: (i: number) => number,
    private readonly cost: (a: number, b: number, boundary: number) => number,
    private readonly merge: (keep: number, gone: number, cost: number) => void,
  ) {
    for (let a = 0; a < adj.regions; a++) {
      if (parent[a] !== a) continue;
      adj.forEach(a, (b, len) => {
        if (a < b) this.heap.push(cost(a, b, len), a, b, size(a), size(b));
      });
    }
  }

  runTo(limit: number): void {
    const { adj, parent, find, size, heap } = this;
    while (this.next || heap.size > 0) {
      // Read field by field: an object per popped candidate kept the garbage collector busy.
      let c: number, a: number, b: number, va: number, vb: number;
      if (this.next) {
        ({ cost: c, a, b, va, vb } = this.next);
        this.next = undefined;
      } else {
        heap.pop();
        c = heap.top.cost;
        a = heap.top.a;
        b = heap.top.b;
        va = heap.top.va;
        vb = heap.top.vb;
      }
      const ra = find(a);
      const rb = find(b);
      if (ra === rb) continue;
      if (ra !== a || rb !== b || size(a) > va * STALE_GROWTH || size(b) > vb * STALE_GROWTH) {
        const len = adj.border(ra, rb);
        if (len > 0) heap.push(this.cost(ra, rb, len), ra, rb, size(ra), size(rb));
        continue;
      }
      if (c > limit) {
        this.next = { cost: c, a, b, va, vb };
        return;
      }
      // The region with more neighbours stays: adjacency moves the cheaper way.
      const keepA = adj.degree(a) >= adj.degree(b);
      const keep = keepA ? a : b;
      const gone = keepA ? b : a;
      parent[gone] = keep;
      this.merge(keep, gone, c);
      adj.join(keep, gone);
    }
  }
}

/** A binary min-heap of merge candidates in growable typed arrays (hundreds of thousands of entries). */
class CostHeap {
  private costs = new Float64Array(1024);
  private items = new Float64Array(4096); // a, b, size of a, size of b per entry
  size = 0;
  push(cost: number, a: number, b: number, va: number, vb: number): void {
    if (this.size === this.costs.length) {
      const costs = new Float64Array(this.size * 2);
      costs.set(this.costs);
      this.costs = costs;
      const items = new Float64Array(this.size * 8);
      items.set(this.items);
      this.items = items;
    }
    const C = this.costs;
    const I = this.items;
    let i = this.size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (C[up]! <= cost) break;
      C[i] = C[up]!;
      I[4 * i] = I[4 * up]!;
      I[4 * i + 1] = I[4 * up + 1]!;
      I[4 * i + 2] = I[4 * up + 2]!;
      I[4 * i + 3] = I[4 * up + 3]!;
      i = up;
    }
    C[i] = cost;
    I[4 * i] = a;
    I[4 * i + 1] = b;
    I[4 * i + 2] = va;
    I[4 * i + 3] = vb;
  }
  /** What the last pop() took off (one object, rewritten each time). */
  readonly top: MergeCandidate = { cost: 0, a: 0, b: 0, va: 0, vb: 0 };
  pop(): void {
    const C = this.costs;
    const I = this.items;
    const top = this.top;
    top.cost = C[0]!;
    top.a = I[0]!;
    top.b = I[1]!;
    top.va = I[2]!;
    top.vb = I[3]!;
    const last = --this.size;
    const cost = C[last]!;
    const a = I[4 * last]!;
    const b = I[4 * last + 1]!;
    const va = I[4 * last + 2]!;
    const vb = I[4 * last + 3]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const m = l + 1 < last && C[l + 1]! < C[l]! ? l + 1 : l;
      if (C[m]! >= cost) break;
      C[i] = C[m]!;
      I[4 * i] = I[4 * m]!;
      I[4 * i + 1] = I[4 * m + 1]!;
      I[4 * i + 2] = I[4 * m + 2]!;
      I[4 * i + 3] = I[4 * m + 3]!;
      i = m;
    }
    C[i] = cost;
    I[4 * i] = a;
    I[4 * i + 1] = b;
    I[4 * i + 2] = va;
    I[4 * i + 3] = vb;
  }
}
