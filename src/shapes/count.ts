/**
 * Primitives in an SVG by kind, not counting a background <rect> that covers the whole canvas
 * (engines write one). Round holes redrawn as two arcs inside a path (see fit-svg.ts) count as
 * circles or ellipses.
 */
export interface PrimitiveCount {
  circle: number;
  ellipse: number;
  rect: number;
}

export function countPrimitives(svg: string): PrimitiveCount {
  const count: PrimitiveCount = { circle: 0, ellipse: 0, rect: 0 };
  for (const m of svg.matchAll(/<(circle|ellipse|rect)\b([^>]*)>/g)) {
    const kind = m[1] as keyof PrimitiveCount;
    // The background: a rect at the origin with no transform, as wide and high as the viewBox.
    if (kind === 'rect' && !/\s(x|y|transform)=/.test(m[2]!)) {
      const vb = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
      if (vb && m[2]!.includes(`width="${vb[1]}"`) && m[2]!.includes(`height="${vb[2]}"`)) continue;
    }
    count[kind]++;
  }
  // "M x y a rx ry angle 1 0 dx dy rx ry angle 1 0 -dx -dy z": the two halves arcSubpath writes.
  const N = String.raw`-?(?:\d+\.?\d*|\.\d+)`;
  const hole = new RegExp(String.raw`M${N}[ ,]?${N}a(${N})[ ,](${N})[ ,]${N}[ ,]1[ ,]0[ ,]?${N}[ ,]?${N}[ ,]?\1[ ,]\2[ ,]${N}[ ,]1[ ,]0[ ,]?${N}[ ,]?${N}z`, 'g');
  for (const m of svg.matchAll(/<path\b[^>]*\sd="([^"]*)"/g)) {
    for (const h of m[1]!.matchAll(hole)) count[h[1] === h[2] ? 'circle' : 'ellipse']++;
  }
  return count;
}
