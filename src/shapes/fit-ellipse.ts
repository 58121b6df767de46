/**
 * Ellipse through sampled outline points: Fitzgibbon, Pilu and Fisher's direct least-squares fit
 * (constrained to 4AC - B² = 1, so it always returns an ellipse), in Halír and Flusser's
 * numerically stable form, on centred and scaled points.
 */
import { centroid, type Outline } from './sample.js';
import type { Primitive } from './primitive.js';
import { eigen3, invert3, multiply3 } from './linear.js';

export function fitEllipse(o: Outline): Extract<Primitive, { kind: 'ellipse' }> | null {
  const n = o.xs.length;
  if (n < 6) return null;
  const { x: mx, y: my } = centroid(o);
  const scale = Math.max(o.maxX - o.minX, o.maxY - o.minY) / 2 || 1;
  // Scatter matrices of the quadratic part D1 = [x², xy, y²] and the linear part D2 = [x, y, 1].
  const S1 = new Array<number>(9).fill(0);
  const S2 = new Array<number>(9).fill(0);
  const S3 = new Array<number>(9).fill(0);
  for (let i = 0; i < n; i++) {
    const x = (o.xs[i]! - mx) / scale;
    const y = (o.ys[i]! - my) / scale;
    const d1 = [x * x, x * y, y * y];
    const d2 = [x, y, 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        S1[r * 3 + c]! += d1[r]! * d1[c]!;
        S2[r * 3 + c]! += d1[r]! * d2[c]!;
        S3[r * 3 + c]! += d2[r]! * d2[c]!;
      }
    }
  }
  const S3inv = invert3(S3);
  if (!S3inv) return null;
  const S2t = [S2[0]!, S2[3]!, S2[6]!, S2[1]!, S2[4]!, S2[7]!, S2[2]!, S2[5]!, S2[8]!];
  // T = -S3⁻¹ S2ᵀ gives the linear coefficients from the quadratic ones.
  const T = multiply3(S3inv, S2t).map((v) => -v);
  const S2T = multiply3(S2, T);
  const M = S1.map((v, i) => v + S2T[i]!);
  // Premultiply by C1⁻¹ for the constraint 4AC - B² = 1.
  const Mc = [M[6]! / 2, M[7]! / 2, M[8]! / 2, -M[3]!, -M[4]!, -M[5]!, M[0]! / 2, M[1]! / 2, M[2]! / 2];
  const eig = eigen3(Mc).filter(({ vector: v }) => 4 * v[0]! * v[2]! - v[1]! * v[1]! > 0);
  if (eig.length === 0) return null;
  const a1 = eig[0]!.vector;
  const a2 = [0, 1, 2].map((r) => T[r * 3]! * a1[0]! + T[r * 3 + 1]! * a1[1]! + T[r * 3 + 2]! * a1[2]!);
  return conicToEllipse(a1[0]!, a1[1]!, a1[2]!, a2[0]!, a2[1]!, a2[2]!, mx, my, scale);
}

/** Centre, semi-axes and angle of A x² + B xy + C y² + D x + E y + F = 0 (in scaled, centred coordinates). */
function conicToEllipse(A: number, B: number, C: number, D: number, E: number, F: number, mx: number, my: number, scale: number) {
  const det = 4 * A * C - B * B;
  if (!(det > 0)) return null;
  const x0 = (B * E - 2 * C * D) / det;
  const y0 = (B * D - 2 * A * E) / det;
  const F0 = F + (D * x0 + E * y0) / 2;
  const theta = 0.5 * Math.atan2(B, A - C);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const l1 = A * c * c + B * c * s + C * s * s;
  const l2 = A * s * s - B * c * s + C * c * c;
  const rx2 = -F0 / l1;
  const ry2 = -F0 / l2;
  if (!(rx2 > 0) || !(ry2 > 0)) return null;
  return {
    kind: 'ellipse' as const,
    cx: x0 * scale + mx,
    cy: y0 * scale + my,
    rx: Math.sqrt(rx2) * scale,
    ry: Math.sqrt(ry2) * scale,
    angle: (theta * 180) / Math.PI,
  };
}
