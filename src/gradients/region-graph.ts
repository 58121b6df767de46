/**
 * Which regions of a segmentation touch, and along how many pixels: the graph the merges of
 * segment.ts walk, in typed arrays.
 *
 * It was a Map of neighbour lengths per region. A photo's first segmentation starts from ~80,000
 * regions and makes ~77,000 merges, each moving the neighbours of the region that goes over to
 * the one that stays (~310,000 moves in all on kodim01). In typed arrays, with no garbage left,
 * kodim01 converts in 2134 ms instead of 2429 and kodim05 in 1680 instead of 1835 (medians of
 * three, in process), to the same SVG byte for byte.
 *
 * Every shared border is one edge, on two doubly linked lists (one per end), found by its pair of
 * regions in an open-addressing hash. Lists keep the order a Map's entries had (insertion order; a
 * neighbour taken over is appended last, on both sides), because merges of equal cost are taken in
 * the order their candidates were pushed: the same order, the same segmentation, the same SVG.
 */
export class RegionGraph {
  /** Both ends of every edge, its length, and its links on each end's list (-1: none). */
  private ends: Int32Array;
  private length: Int32Array;
  private next: Int32Array;
  private prev: Int32Array;
  private edges = 0;
  /** Edges removed, whose slots the next inserts take (a join moves every neighbour: ~310,000 moves on kodim01). */
  private free: number[] = [];
  /** First and last edge on each region's list, and how many edges are on it. */
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly deg: Int32Array;
  /** Hash of the edges by (smaller, larger) region: EMPTY, GONE (deleted) or an edge, and that pair as one number. */
  private slots: Int32Array;
  private keys: Float64Array;
  private used = 0;

  /** `expectedEdges`: a region of a planar partition has fewer than six neighbours on average. */
  constructor(readonly regions: number, expectedEdges = 3 * regions) {
    const capacity = Math.max(16, expectedEdges);
    this.ends = new Int32Array(2 * capacity);
    this.length = new Int32Array(capacity);
    this.next = new Int32Array(2 * capacity);
    this.prev = new Int32Array(2 * capacity);
    this.head = new Int32Array(regions).fill(-1);
    this.tail = new Int32Array(regions).fill(-1);
    this.deg = new Int32Array(regions);
    this.slots = new Int32Array(tableSize(capacity)).fill(EMPTY);
    this.keys = new Float64Array(this.slots.length);
  }

  /** A copy that changes independently. */
  clone(): RegionGraph {
    const copy = Object.create(RegionGraph.prototype) as RegionGraph;
    Object.assign(copy, this, {
      ends: this.ends.slice(),
      length: this.length.slice(),
      next: this.next.slice(),
      prev: this.prev.slice(),
      head: this.head.slice(),
      tail: this.tail.slice(),
      deg: this.deg.slice(),
      slots: this.slots.slice(),
      keys: this.keys.slice(),
      free: this.free.slice(),
    });
    return copy;
  }

  /** How many neighbours `a` has. */
  degree(a: number): number {
    return this.deg[a]!;
  }

  /** The border `a` and `b` share, in pixels (0: they do not touch). */
  border(a: number, b: number): number {
    const e = this.find(a, b);
    return e < 0 ? 0 : this.length[e]!;
  }

  /** Adds `len` to the border of `a` and `b` (a new neighbour goes last on both lists). */
  add(a: number, b: number, len: number): void {
    const e = this.find(a, b);
    if (e >= 0) this.length[e]! += len;
    else this.insert(a, b, len);
  }

  /** Calls `visit` with each neighbour of `a` and their border, in list order. */
  forEach(a: number, visit: (b: number, len: number) => void): void {
    for (let e = this.head[a]!; e >= 0; ) {
      const side = this.ends[2 * e] === a ? 0 : 1;
      visit(this.ends[2 * e + 1 - side]!, this.length[e]!);
      e = this.next[2 * e + side]!;
    }
  }

  /** `gone`'s neighbours become `keep`'s, borders they already share added up; `gone` is left with none. */
  join(keep: number, gone: number): void {
    const shared = this.find(keep, gone);
    if (shared >= 0) this.remove(shared);
    for (let e = this.head[gone]!; e >= 0; ) {
      const side = this.ends[2 * e] === gone ? 0 : 1;
      const after = this.next[2 * e + side]!;
      const other = this.ends[2 * e + 1 - side]!;
      const len = this.length[e]!;
      this.remove(e);
      this.add(keep, other, len);
      e = after;
    }
  }

  private insert(a: number, b: number, len: number): void {
    let e = this.free.pop();
    if (e === undefined) {
      if (this.edges === this.length.length) this.grow();
      e = this.edges++;
    }
    this.ends[2 * e] = a;
    this.ends[2 * e + 1] = b;
    this.length[e] = len;
    this.append(a, e, 0);
    this.append(b, e, 1);
    if (2 * (this.used + 1) > this.slots.length) this.rehash();
    let s = this.home(a, b);
    while (this.slots[s]! >= 0) s = (s + 1) & (this.slots.length - 1);
    if (this.slots[s] === EMPTY) this.used++;
    this.slots[s] = e;
    this.keys[s] = this.key(a, b);
  }

  /** Takes edge `e` off both lists and out of the hash. */
  private remove(e: number): void {
    const a = this.ends[2 * e]!;
    const b = this.ends[2 * e + 1]!;
    this.unlink(a, e, 0);
    this.unlink(b, e, 1);
    const mask = this.slots.length - 1;
    let s = this.home(a, b);
    while (this.slots[s] !== e) s = (s + 1) & mask;
    this.slots[s] = GONE;
    this.free.push(e);
  }

  private append(r: number, e: number, side: number): void {
    const last = this.tail[r]!;
    this.prev[2 * e + side] = last;
    this.next[2 * e + side] = -1;
    if (last < 0) this.head[r] = e;
    else this.next[2 * last + (this.ends[2 * last] === r ? 0 : 1)] = e;
    this.tail[r] = e;
    this.deg[r]!++;
  }

  private unlink(r: number, e: number, side: number): void {
    const before = this.prev[2 * e + side]!;
    const after = this.next[2 * e + side]!;
    if (before < 0) this.head[r] = after;
    else this.next[2 * before + (this.ends[2 * before] === r ? 0 : 1)] = after;
    if (after < 0) this.tail[r] = before;
    else this.prev[2 * after + (this.ends[2 * after] === r ? 0 : 1)] = before;
    this.deg[r]!--;
  }

  private find(a: number, b: number): number {
    const key = this.key(a, b);
    const mask = this.slots.length - 1;
    for (let s = this.home(a, b); ; s = (s + 1) & mask) {
      const e = this.slots[s]!;
      if (e === EMPTY) return -1;
      if (e >= 0 && this.keys[s] === key) return e;
    }
  }

  /** The pair as one number (exact: regions^2 stays far below 2^53). */
  private key(a: number, b: number): number {
    return a < b ? a * this.regions + b : b * this.regions + a;
  }

  private home(a: number, b: number): number {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    return (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi + 0x7f4a7c15, 0x85ebca77)) & (this.slots.length - 1);
  }

  private grow(): void {
    const capacity = 2 * this.length.length;
    const widen = (a: Int32Array, n: number) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.ends = widen(this.ends, 2 * capacity);
    this.length = widen(this.length, capacity);
    this.next = widen(this.next, 2 * capacity);
    this.prev = widen(this.prev, 2 * capacity);
  }

  /** A fresh table for the live edges (deleted slots dropped), large enough for the edge arrays' capacity. */
  private rehash(): void {
    const live: number[] = [];
    for (const e of this.slots) if (e >= 0) live.push(e);
    this.slots = new Int32Array(Math.max(tableSize(2 * live.length + 2), this.slots.length)).fill(EMPTY);
    this.keys = new Float64Array(this.slots.length);
    const mask = this.slots.length - 1;
    for (const e of live) {
      const [a, b] = [this.ends[2 * e]!, this.ends[2 * e + 1]!];
      let s = this.home(a, b);
      while (this.slots[s] !== EMPTY) s = (s + 1) & mask;
      this.slots[s] = e;
      this.keys[s] = this.key(a, b);
    }
    this.used = live.length;
  }
}

const EMPTY = -1;
const GONE = -2;

/** A power of two at least twice `entries`: the table is rehashed once it is half full, deleted slots included. */
function tableSize(entries: number): number {
  let size = 16;
  while (size < 2 * entries) size *= 2;
  return size;
}
