/**
 * Paths of one paint drawn as one path. A photo's trace is thousands of small regions, one path
 * each, and the wrapper of a path (`<path d="" fill="#rrggbb"/>`) is half the bytes of a small
 * one; a region cut by tile edges is several paths of the same paint.
 *
 * Paint order decides which paths may join: a path may be drawn later, up to (not past) the first
 * later path that covers one of its pixel centres, since no path in between paints any pixel it
 * is seen at, and it paints none they are seen at (a centre both cover would be the later one's).
 * Every seen pixel centre keeps its paint; only the anti-aliased mix along borders may change.
 * Within those windows, paths whose paints agree are gathered, fewest groups first (interval
 * stabbing), and each group is written where its members' windows meet.
 *
 * Flat colours agree when they round to the same multiple of a step in every channel (the group
 * takes its members' mean, weighted by the pixels they are seen at); gradients only when the
 * paint is the same definition. Translucent paths and strokes stay as they are.
 */
import type { PathTag } from '../gradients/regions.js';
import { polygonPathData, shortHex } from '../pipeline/optimize.js';

/**
 * Flat colours that round to the same multiple of this (per 8-bit channel) are one paint: members
 * lie within 4 levels of each other and of their mean, below what a person sees between two
 * regions of a smooth area.
 */
const FLAT_STEP = 4;
/**
 * Regions seen at no more than this many trace pixels (a 16 px square) round to SMALL_STEP:
 * within 8 levels, on a speck among a photo's texture. On the corpus's 10 Kodak photos, step 4
 * throughout saved 9 % of their bytes, 8 up to 256 px 14 %, each for at most 0.001 SSIM; 8
 * throughout saved hardly more (14.4 %) and moves the paint of large smooth regions.
 */
const SMALL_PIXELS = 256;
const SMALL_STEP = 8;

export interface SamePaintInput {
  /** Each path's tag as it will be written (null: dropped), in paint order. */
  drawn: readonly (string | null)[];
  paths: readonly PathTag[];
  /** Topmost path at each pixel centre (ownerMap). */
  owner: Int32Array;
  /** First later path covering one of each path's pixel centres (ownerMap), paths.length for none. */
  next: Int32Array;
  /** Decimals of the rewritten path data. */
  precision: number;
}

export interface SamePaint {
  /** The tags after grouping, in the new paint order. */
  drawn: (string | null)[];
  paths: PathTag[];
  /** The owner map renumbered to the new order (each seen centre keeps its paint). */
  owner: Int32Array;
  /** For each original path's place in the SVG text, the new paths written there, in order. */
  slots: number[][];
}

const GROUPABLE = /^<path d="[MmLlHhVvZz\d\s.,-]*" (fill="(?:#[0-9a-f]{3,6}|url\(#[\w-]+\))")\/>$/;

export function groupSamePaint({ drawn, paths, owner, next, precision }: SamePaintInput): SamePaint {
  const n = paths.length;
  const identity = (): SamePaint => ({ drawn: [...drawn], paths: [...paths], owner, slots: paths.map((_, j) => [j]) });
  // Written where their window ends, groups would land inside translate() groups of other paths.
  if (paths.some((p) => p.tx !== 0 || p.ty !== 0)) return identity();

  const seen = new Float64Array(n);
  for (let p = 0; p < owner.length; p++) {
    const o = owner[p]!;
    if (o >= 0) seen[o]!++;
  }
  // Each groupable path's fill attribute, and the paths of each paint in paint order.
  const fills: (string | undefined)[] = [];
  const byPaint = new Map<string, number[]>();
  drawn.forEach((tag, j) => {
    const m = tag === null ? null : GROUPABLE.exec(tag);
    // A path that draws nothing (no ring: data of moves only) stays as it is, where it is.
    if (!m || paths[j]!.rings.length === 0) return;
    fills[j] = m[1]!;
    const key = paintKey(m[1]!, seen[j]!);
    let list = byPaint.get(key);
    if (!list) byPaint.set(key, (list = []));
    list.push(j);
  });

  // Interval stabbing per paint: path j may be drawn anywhere in [j, next[j] - 1].
  const groupsAt = new Map<number, { members: number[]; fill: string }[]>();
  const moved = new Uint8Array(n);
  for (const members of byPaint.values()) {
    if (members.length < 2) continue;
    const byEnd = [...members].sort((a, b) => next[a]! - next[b]! || a - b);
    const taken = new Set<number>();
    let k = 0; // members are in paint order: those up to k are taken
    for (const first of byEnd) {
      if (taken.has(first)) continue;
      const at = next[first]! - 1;
      const group: number[] = [];
      for (; k < members.length && members[k]! <= at; k++) {
        taken.add(members[k]!);
        group.push(members[k]!);
      }
      if (group.length < 2) continue;
      for (const j of group) moved[j] = 1;
      let list = groupsAt.get(at);
      if (!list) groupsAt.set(at, (list = []));
      list.push({ members: group, fill: groupFill(group, fills, seen) });
    }
  }
  if (groupsAt.size === 0) return identity();

  const out: SamePaint = { drawn: [], paths: [], owner: new Int32Array(owner.length), slots: [] };
  const renumber = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    const slot: number[] = [];
    if (!moved[j]) {
      renumber[j] = out.drawn.length;
      slot.push(out.drawn.length);
      out.drawn.push(drawn[j]!);
      out.paths.push(paths[j]!);
    }
    for (const { members, fill } of groupsAt.get(j) ?? []) {
      // Nearby members next to each other: the relative moves between their rings stay short.
      members.sort((a, b) => paths[a]!.rings[0]![1]! - paths[b]!.rings[0]![1]! || paths[a]!.rings[0]![0]! - paths[b]!.rings[0]![0]!);
      const rings = members.flatMap((m) => paths[m]!.rings);
      const tag = `<path d="${polygonPathData(rings, precision)}" ${fill}/>`;
      for (const m of members) renumber[m] = out.drawn.length;
      slot.push(out.drawn.length);
      out.drawn.push(tag);
      out.paths.push({ start: -1, end: -1, tag, tx: 0, ty: 0, rings });
    }
    out.slots.push(slot);
  }
  const renumbered = out.owner;
  for (let p = 0; p < owner.length; p++) {
    const o = owner[p]!;
    renumbered[p] = o < 0 ? -1 : renumber[o]!;
  }
  return out;
}

/** Which paints count as one: flat colours by their step, anything else as written. */
function paintKey(fill: string, pixels: number): string {
  const rgb = hexRgb(fill);
  if (!rgb) return fill;
  const step = pixels <= SMALL_PIXELS ? SMALL_STEP : FLAT_STEP;
  return step + ':' + rgb.map((c) => Math.round(c / step)).join(',');
}

/** A group's fill attribute: its members' flat colours averaged by seen pixels, or their gradient. */
function groupFill(members: readonly number[], fills: readonly (string | undefined)[], seen: Float64Array): string {
  const first = fills[members[0]!]!;
  if (!hexRgb(first)) return first;
  const sum = [0, 0, 0];
  let w = 0;
  for (const j of members) {
    const weight = seen[j]! + 1;
    const rgb = hexRgb(fills[j]!)!;
    for (let c = 0; c < 3; c++) sum[c]! += rgb[c]! * weight;
    w += weight;
  }
  return `fill="#${shortHex(sum.map((s) => Math.round(s / w).toString(16).padStart(2, '0')).join(''))}"`;
}

function hexRgb(fill: string): number[] | null {
  const m = /^fill="#([0-9a-f]{3}|[0-9a-f]{6})"$/.exec(fill);
  if (!m) return null;
  const h = m[1]!.length === 3 ? m[1]!.replace(/./g, '$&$&') : m[1]!;
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}
