/**
 * Path data as closed outlines in absolute coordinates. Parsing (relative commands, shorthands,
 * arcs) is svgpath's; this module only groups its absolute segments into subpaths and writes
 * them back.
 */
import svgpath from 'svgpath';

export type Point = readonly [number, number];

/** One segment from the current point: a line (end), a quadratic (control, end) or a cubic (two controls, end). */
export interface Segment {
  kind: 'L' | 'Q' | 'C';
  from: Point;
  /** Control points then the end point, flattened: [x1, y1, ..., x, y]. */
  points: number[];
}

export interface Subpath {
  start: Point;
  segments: Segment[];
  closed: boolean;
}

/** The subpaths of `d`, or null when it does not parse. */
export function parseSubpaths(d: string): Subpath[] | null {
  const subs: Subpath[] = [];
  let current: Subpath | null = null;
  let failed = false;
  try {
    svgpath(d)
      .abs()
      .unshort()
      .unarc()
      .iterate((seg, _i, x, y) => {
        const from: Point = [x, y];
        const open = (): Subpath => {
          if (current === null || current.closed) {
            current = { start: from, segments: [], closed: false };
            subs.push(current);
          }
          return current;
        };
        switch (seg[0]) {
          case 'M':
            current = { start: [seg[1], seg[2]], segments: [], closed: false };
            subs.push(current);
            break;
          case 'L':
            open().segments.push({ kind: 'L', from, points: [seg[1], seg[2]] });
            break;
          case 'H':
            open().segments.push({ kind: 'L', from, points: [seg[1], y] });
            break;
          case 'V':
            open().segments.push({ kind: 'L', from, points: [x, seg[1]] });
            break;
          case 'Q':
            open().segments.push({ kind: 'Q', from, points: seg.slice(1) as number[] });
            break;
          case 'C':
            open().segments.push({ kind: 'C', from, points: seg.slice(1) as number[] });
            break;
          case 'Z':
          case 'z':
            if (current !== null) current.closed = true;
            break;
          default:
            failed = true; // anything svgpath left relative or short: not ours to fit
        }
      });
  } catch {
    return null;
  }
  if (failed) return null;
  return subs.filter((s) => s.segments.length > 0);
}

/** Absolute path data of `subs`, at full precision (the path optimiser rounds and shortens it). */
export function writeSubpaths(subs: readonly Subpath[]): string {
  return subs
    .map((s) => `M${s.start[0]} ${s.start[1]}` + s.segments.map((g) => g.kind + g.points.join(' ')).join('') + (s.closed ? 'Z' : ''))
    .join('');
}
