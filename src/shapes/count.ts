/** Primitives in an SVG by kind, not counting a background <rect> that covers the whole canvas (engines write one). */
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
  return count;
}
