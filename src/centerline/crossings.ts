/**
 * Where one ink is drawn over another, the pixels of the crossing are the upper ink's colour, so
 * the lower ink's mask has a gap there and its line would be cut in two. The other ink's pixels
 * bridge such a gap: a pixel of another ink joins this ink's mask when, along some direction, this
 * ink lies on both sides of it across a run of other ink no longer than a crossing can be, and
 * this ink goes on along that direction beyond the run on both sides (its line continues through;
 * two lines of this ink that merely touch the other ink from either side do not).
 *
 * Of two inks, the one below is the one the other's pixels bridge more of: its lines are the ones
 * cut. Only that one is bridged (the upper ink's lines are whole; what little would bridge them
 * is where its own lines pass close around the lower ink), and it is drawn first, so its strokes
 * go under the other ink's as in the picture.
 */
import type { Ink } from './ink.js';
import { inkMask } from './ink.js';

/** Directions looked along: every 5.6° over half a turn (a shallow crossing is long, and the line must stay in view along it). */
const DIRECTIONS = Array.from({ length: 32 }, (_, i) => {
  const a = (i * Math.PI) / 32;
  return { x: Math.cos(a), y: Math.sin(a) };
});

/** Beyond the gap, this ink must go on for this much of the gap's length (and at least MIN_GO_ON px) on both sides. */
const GO_ON = 1;
const MIN_GO_ON = 3;

/** Another ink's pixels, for bridging: its anti-aliased edge (a tenth covered) included. */
const OTHER_INK = 26;

/**
 * `mask`: this ink (1 = ink). `other`: where the other ink's pixels are, anti-aliased edges
 * included. `maxGap`: the longest run of other ink bridged (a crossing's length along this line).
 * Returns the pixels that would bridge; neither mask is changed.
 */
export function bridgeCrossings(mask: Uint8Array, other: Uint8Array, width: number, height: number, maxGap: number): number[] {
  const added: number[] = [];
  const at = (x: number, y: number) => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    return ix < 0 || iy < 0 || ix >= width || iy >= height ? -1 : iy * width + ix;
  };
  /** Steps from (x, y) along (dx, dy) through other ink until this ink: the steps taken, or -1. */
  const toInk = (x: number, y: number, dx: number, dy: number, limit: number): number => {
    for (let t = 1; t <= limit; t++) {
      const q = at(x + t * dx, y + t * dy);
      if (q < 0) return -1;
      if (mask[q]) return t;
      if (!other[q]) return -1;
    }
    return -1;
  };
  /**
   * Whether this ink goes on for `length` px from step `from` along (dx, dy): over ink all the way,
   * at least MIN_GO_ON px of it this ink (the rest may be the next crossing, where lines cross in a knot).
   */
  const goesOn = (x: number, y: number, dx: number, dy: number, from: number, length: number): boolean => {
    let own = 0;
    for (let t = from; t < from + length; t++) {
      const q = at(x + t * dx, y + t * dy);
      if (q < 0) return false;
      if (mask[q]) own++;
      else if (!other[q]) return false;
    }
    return own >= Math.min(length, MIN_GO_ON);
  };
  for (const p of touching(mask, other, width, height, maxGap)) {
    const x = (p % width) + 0.5;
    const y = Math.floor(p / width) + 0.5;
    for (const d of DIRECTIONS) {
      const ahead = toInk(x, y, d.x, d.y, maxGap);
      if (ahead < 0) continue;
      const behind = toInk(x, y, -d.x, -d.y, maxGap - ahead);
      if (behind < 0) continue;
      const go = Math.max(MIN_GO_ON, Math.ceil(GO_ON * (ahead + behind)));
      if (goesOn(x, y, d.x, d.y, ahead, go) && goesOn(x, y, -d.x, -d.y, behind, go)) {
        added.push(p);
        break;
      }
    }
  }
  return added;
}

/**
 * The other ink's pixels within `maxGap` steps of this ink through other ink: the only ones that
 * can bridge it (most of another ink's pixels are nowhere near this one's lines).
 */
function touching(mask: Uint8Array, other: Uint8Array, width: number, height: number, maxGap: number): number[] {
  const depth = new Int32Array(width * height).fill(-1);
  const queue: number[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (!other[p] || mask[p]) continue;
    const x = p % width;
    const near = (x > 0 && mask[p - 1]) || (x < width - 1 && mask[p + 1]) || (p >= width && mask[p - width]) || (p + width < mask.length && mask[p + width]);
    if (near) {
      depth[p] = 1;
      queue.push(p);
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const p = queue[head]!;
    if (depth[p]! >= maxGap) continue;
    const x = p % width;
    for (const q of [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width]) {
      if (q < 0 || q >= mask.length || depth[q]! >= 0 || !other[q] || mask[q]) continue;
      depth[q] = depth[p]! + 1;
      queue.push(q);
    }
  }
  return queue;
}

export interface BridgedInks {
  /** Per ink (in the separation's order): its mask with the crossings bridged, and its coverage likewise. */
  masks: Uint8Array[];
  coverages: Uint8Array[];
  /** Ink indices from the lowest to the uppermost: the order they are drawn in. */
  order: number[];
}

export function bridgeInks(inks: readonly Ink[], width: number, height: number, maxGap: number): BridgedInks {
  const masks = inks.map(inkMask);
  const coverages = inks.map((k) => k.coverage);
  const order = inks.map((_, i) => i);
  if (inks.length < 2) return { masks, coverages, order };
  const near = inks.map((k) => {
    const m = new Uint8Array(width * height);
    for (let p = 0; p < m.length; p++) if (k.coverage[p]! >= OTHER_INK) m[p] = 1;
    return m;
  });
  // bridges[k][j]: pixels of ink j that would carry ink k's lines through.
  const bridges = inks.map((_, k) => inks.map((_, j) => (j === k ? [] : bridgeCrossings(masks[k]!, near[j]!, width, height, maxGap))));
  const above = inks.map(() => 0);
  const out = masks.map((m) => m);
  inks.forEach((_, k) => {
    inks.forEach((_, j) => {
      if (j === k || bridges[k]![j]!.length <= bridges[j]![k]!.length) return;
      above[k]!++;
      if (out[k] === masks[k]) {
        out[k] = Uint8Array.from(masks[k]!);
        coverages[k] = Uint8Array.from(coverages[k]!);
      }
      for (const p of bridges[k]![j]!) {
        out[k]![p] = 1;
        coverages[k]![p] = 255;
      }
    });
  });
  // Most inks above it first; otherwise the separation's order (most ink first).
  order.sort((a, b) => above[b]! - above[a]! || a - b);
  return { masks: out, coverages, order };
}
