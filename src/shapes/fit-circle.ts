/**
 * Circle through sampled outline points: the algebraic (Kåsa) least-squares fit, a linear solve,
 * refined by Gauss-Newton on the geometric distances, which the algebraic fit biases on noisy arcs.
 */
import { centroid, type Outline } from './sample.js';
import type { Primitive } from './primitive.js';
import { solve3 } from './linear.js';

export function fitCircle(o: Outline): Extract<Primitive, { kind: 'circle' }> | null {
  const n = o.xs.length;
  if (n < 3) return null;
  // Centred for conditioning: minimise sum (x² + y² + D x + E y + F)².
  const { x: mx, y: my } = centroid(o);
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const rhs = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = o.xs[i]! - mx;
    const y = o.ys[i]! - my;
    const z = -(x * x + y * y);
    const row = [x, y, 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[r * 3 + c]! += row[r]! * row[c]!;
      rhs[r]! += row[r]! * z;
    }
  }
  const sol = solve3(m, rhs);
  if (!sol) return null;
  let cx = -sol[0]! / 2;
  let cy = -sol[1]! / 2;
  let r = Math.sqrt(Math.max(0, cx * cx + cy * cy - sol[2]!));
  for (let iter = 0; iter < 10; iter++) {
    // Residual d_i - r with d_i the distance to the centre; unknowns (cx, cy, r).
    const jtj = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    const jtr = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const dx = o.xs[i]! - mx - cx;
      const dy = o.ys[i]! - my - cy;
      const d = Math.hypot(dx, dy) || 1e-12;
      const row = [-dx / d, -dy / d, -1];
      const res = d - r;
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) jtj[a * 3 + b]! += row[a]! * row[b]!;
        jtr[a]! -= row[a]! * res;
      }
    }
    const step = solve3(jtj, jtr);
    if (!step) break;
    cx += step[0]!;
    cy += step[1]!;
    r += step[2]!;
    if (Math.abs(step[0]!) + Math.abs(step[1]!) + Math.abs(step[2]!) < 1e-9) break;
  }
  if (!(r > 0) || !Number.isFinite(r)) return null;
  return { kind: 'circle', cx: cx + mx, cy: cy + my, r };
}
