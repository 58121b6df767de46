/** The small dense linear algebra the fits need (3x3), written out: no library is worth a dependency for it. */

/** Solves the 3x3 system m·x = b (row-major m) by Gaussian elimination with partial pivoting; null when singular. */
export function solve3(m: readonly number[], b: readonly number[]): number[] | null {
  const a = [
    [m[0]!, m[1]!, m[2]!, b[0]!],
    [m[3]!, m[4]!, m[5]!, b[1]!],
    [m[6]!, m[7]!, m[8]!, b[2]!],
  ];
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-12) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c < 4; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return [a[0]![3]! / a[0]![0]!, a[1]![3]! / a[1]![1]!, a[2]![3]! / a[2]![2]!];
}

export function invert3(m: readonly number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-300) return null;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

export function multiply3(x: readonly number[], y: readonly number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c]! += x[r * 3 + k]! * y[k * 3 + c]!;
  return out;
}

/** Real eigenvalues of a 3x3 matrix (the roots of its characteristic cubic), with an eigenvector each. */
export function eigen3(m: readonly number[]): { value: number; vector: number[] }[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  // λ³ - tr λ² + s λ - det = 0
  const tr = a + e + i;
  const s = a * e - b * d + a * i - c * g + e * i - f * h;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  const roots = cubicRoots(-tr, s, -det);
  const out: { value: number; vector: number[] }[] = [];
  for (const l of roots) {
    const r0 = [a - l, b, c];
    const r1 = [d, e - l, f];
    const r2 = [g, h, i - l];
    // The eigenvector is orthogonal to every row of (M - λI): the largest cross product of two rows.
    const cands = [cross(r0, r1), cross(r0, r2), cross(r1, r2)];
    const best = cands.reduce((p, q) => (norm(q) > norm(p) ? q : p));
    const n = norm(best);
    if (n > 0) out.push({ value: l, vector: best.map((v) => v / n) });
  }
  return out;
}

const cross = (u: number[], v: number[]) => [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
const norm = (u: number[]) => Math.hypot(u[0]!, u[1]!, u[2]!);

/** Real roots of x³ + p x² + q x + r. */
function cubicRoots(p: number, q: number, r: number): number[] {
  const a = p / 3;
  const Q = (p * p - 3 * q) / 9;
  const R = (2 * p * p * p - 9 * p * q + 27 * r) / 54;
  if (R * R < Q * Q * Q) {
    const t = Math.acos(Math.max(-1, Math.min(1, R / Math.sqrt(Q * Q * Q))));
    const s = -2 * Math.sqrt(Q);
    return [s * Math.cos(t / 3) - a, s * Math.cos((t + 2 * Math.PI) / 3) - a, s * Math.cos((t - 2 * Math.PI) / 3) - a];
  }
  const A = -Math.sign(R) * Math.cbrt(Math.abs(R) + Math.sqrt(R * R - Q * Q * Q));
  const B = A === 0 ? 0 : Q / A;
  return [A + B - a];
}
