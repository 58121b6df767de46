/**
 * The regions of a traced SVG: its paths, each with the pixels it is the topmost paint of
 * (pixel centres inside the path, later paths over earlier ones, as the renderer paints them).
 *
 * Reads the flat drawing-only SVG the engines and optimiser write: a root, optional groups with
 * translate() and paths with d and fill. Anything else (another transform, a shape element)
 * makes `parseRegions` answer null, and the SVG is left as it is.
 */

export interface PathTag {
  /** Offset and length of the tag in the SVG text. */
  start: number;
  end: number;
  tag: string;
  /** Accumulated translate of the groups around it (user units of the root). */
  tx: number;
  ty: number;
  /** Polygon rings in root user units (curves by their end points). */
  rings: number[][];
}

const TAG = /<(\/?)([A-Za-z][\w:.-]*)([^>]*?)(\/?)>/g;
const TRANSLATE = /^\s*translate\(\s*(-?[\d.]+(?:e-?\d+)?)(?:[\s,]+(-?[\d.]+(?:e-?\d+)?))?\s*\)\s*$/;

export function parsePaths(svg: string): PathTag[] | null {
  const out: PathTag[] = [];
  const stack: { tx: number; ty: number }[] = [{ tx: 0, ty: 0 }];
  TAG.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TAG.exec(svg))) {
    const [tag, closing, name, attrs, selfClosing] = m;
    const top = stack[stack.length - 1]!;
    if (name === 'svg' || name === 'title' || name === 'desc') {
      continue;
    }
    if (name === 'g') {
      if (closing) {
        stack.pop();
        continue;
      }
      const t = /\stransform="([^"]*)"/.exec(attrs!);
      let tx = top.tx;
      let ty = top.ty;
      if (t) {
        const tr = TRANSLATE.exec(t[1]!);
        if (!tr) return null;
        tx += Number(tr[1]);
        ty += Number(tr[2] ?? 0);
      }
      if (!selfClosing) stack.push({ tx, ty });
      continue;
    }
    if (name === 'path') {
      if (closing) continue;
      let tx = top.tx;
      let ty = top.ty;
      const t = /\stransform="([^"]*)"/.exec(attrs!);
      if (t) {
        const tr = TRANSLATE.exec(t[1]!);
        if (!tr) return null;
        tx += Number(tr[1]);
        ty += Number(tr[2] ?? 0);
      }
      const d = /\sd="([^"]*)"/.exec(attrs!);
      if (!d || !/\sfill="#[0-9a-fA-F]{3,6}"/.test(attrs!) || /\s(stroke|fill-opacity|opacity)=/.test(attrs!)) return null;
      const rings = pathRings(d[1]!, tx, ty);
      if (!rings) return null;
      out.push({ start: m.index, end: m.index + tag.length, tag, tx: tx - 0, ty: ty - 0, rings });
      continue;
    }
    return null; // defs, gradients, shapes: not ours to rewrite
  }
  // The local translate of each path is what its gradient coordinates must undo.
  return out;
}

const TOKEN = /([MmLlHhVvCcSsQqTtAaZz])|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/g;
const ARITY: Record<string, number> = { M: 2, L: 2, H: 1, V: 1, C: 6, S: 4, Q: 4, T: 2, A: 7, Z: 0 };

/** Rings of a path's data, each a flat [x0, y0, x1, y1, ...] list; curves by their end points. */
export function pathRings(d: string, tx = 0, ty = 0): number[][] | null {
  const rings: number[][] = [];
  let ring: number[] | null = null;
  let cmd = '';
  let args: number[] = [];
  let cx = 0;
  let cy = 0;
  let sx = 0;
  let sy = 0;
  const point = () => {
    if (!ring) {
      ring = [sx + tx, sy + ty];
      rings.push(ring);
    }
    ring.push(cx + tx, cy + ty);
  };
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(d))) {
    if (m[1]) {
      cmd = m[1];
      if (cmd === 'z' || cmd === 'Z') {
        cx = sx;
        cy = sy;
        ring = null;
      }
      continue;
    }
    const upper = cmd.toUpperCase();
    if (!(upper in ARITY) || upper === 'Z') return null;
    args.push(Number(m[2]));
    if (args.length < ARITY[upper]!) continue;
    const rel = cmd !== upper;
    const a = args;
    args = [];
    const ox = rel ? cx : 0;
    const oy = rel ? cy : 0;
    switch (upper) {
      case 'M':
        cx = ox + a[0]!;
        cy = oy + a[1]!;
        sx = cx;
        sy = cy;
        ring = null;
        cmd = rel ? 'l' : 'L';
        break;
      case 'H':
        cx = ox + a[0]!;
        point();
        break;
      case 'V':
        cy = (rel ? cy : 0) + a[0]!;
        point();
        break;
      default: {
        const n = ARITY[upper]!;
        cx = ox + a[n - 2]!;
        cy = oy + a[n - 1]!;
        point();
      }
    }
  }
  return rings;
}

/**
 * Paints every path's pixel centres into an owner map (index of the topmost path, -1 for none).
 * `under` receives, for each pixel, the owner it had before its current one (-1 for none), and
 * `next`, for each path, the first later path that covers one of its centres (paths.length for none).
 */
export function ownerMap(paths: readonly PathTag[], width: number, height: number): { owner: Int32Array; under: Int32Array; next: Int32Array } {
  const owner = new Int32Array(width * height).fill(-1);
  const under = new Int32Array(width * height).fill(-1);
  const next = new Int32Array(paths.length).fill(paths.length);
  const xs: number[] = [];
  paths.forEach((p, index) => {
    let minY = Infinity;
    let maxY = -Infinity;
    for (const r of p.rings) for (let i = 1; i < r.length; i += 2) {
      minY = Math.min(minY, r[i]!);
      maxY = Math.max(maxY, r[i]!);
    }
    const y0 = Math.max(0, Math.ceil(minY - 0.5));
    const y1 = Math.min(height - 1, Math.floor(maxY - 0.5));
    for (let y = y0; y <= y1; y++) {
      const yc = y + 0.5;
      xs.length = 0;
      for (const r of p.rings) {
        const n = r.length;
        for (let i = 0; i < n; i += 2) {
          const ax = r[i]!;
          const ay = r[i + 1]!;
          const bx = r[(i + 2) % n]!;
          const by = r[(i + 3) % n]!;
          if ((ay <= yc) !== (by <= yc)) xs.push(ax + ((yc - ay) * (bx - ax)) / (by - ay));
        }
      }
      if (xs.length < 2) continue;
      xs.sort((a, b) => a - b);
      // Even-odd: vtracer writes holes as separate rings.
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const xa = Math.max(0, Math.ceil(xs[k]! - 0.5));
        const xb = Math.min(width - 1, Math.floor(xs[k + 1]! - 0.5));
        for (let x = xa, o = y * width + xa; x <= xb; x++, o++) {
          const below = owner[o]!;
          under[o] = below;
          // Paths are painted in order: the first to cover a centre of `below` is the earliest.
          // (Spans of two rings of one path can meet on one pixel: that is no later path.)
          if (below >= 0 && below !== index && next[below] === paths.length) next[below] = index;
          owner[o] = index;
        }
      }
    }
  });
  return { owner, under, next };
}
