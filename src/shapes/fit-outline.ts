/**
 * Which primitive, if any, one closed outline is. Each fit is accepted only when every sampled
 * point of the outline lies within the tolerance of the primitive's outline and the two areas
 * agree to within the band the tolerance allows; the simplest accepted primitive wins.
 */
import { fitCircle } from './fit-circle.js';
import { fitEllipse } from './fit-ellipse.js';
import { fitRect } from './fit-rect.js';
import type { Subpath } from './path-data.js';
import { distanceToOutline, primitiveArea, primitivePerimeter, primitiveSize, type Primitive } from './primitive.js';
import { sampleOutline, type Outline } from './sample.js';

export interface FitLimits {
  /** Largest distance (user units) from any outline point to the primitive's outline. */
  tolerance: number;
  /** Smallest size (user units) worth a primitive: below it every blob "fits" something. */
  minSize: number;
}

/** A circle is written as an ellipse's axes differ by less than this share. */
const ROUND = 0.01;
/** Corner radii below this many tolerance bands are square corners. */
const SQUARE_CORNER = 1;

export interface Fit {
  primitive: Primitive;
  /** Largest outline-to-primitive distance, user units. */
  error: number;
  outline: Outline;
}

function check(p: Primitive | null, o: Outline, limits: FitLimits): Fit | null {
  if (!p || !(primitiveSize(p) >= limits.minSize)) return null;
  const tol = limits.tolerance;
  // Same area within a band of the tolerance along the whole outline: rules out an outline that
  // runs along only part of the primitive and back.
  if (Math.abs(primitiveArea(p) - Math.abs(o.area)) > primitivePerimeter(p) * tol) return null;
  let error = 0;
  for (let i = 0; i < o.xs.length; i++) {
    error = Math.max(error, distanceToOutline(p, o.xs[i]!, o.ys[i]!));
    if (error > tol) return null;
  }
  return { primitive: p, error, outline: o };
}

/** Tidies a fit into its plainest form: a near-round ellipse is a circle, tiny radii are square corners. */
function plainest(p: Primitive, limits: FitLimits): Primitive {
  if (p.kind === 'ellipse') {
    let { rx, ry, angle } = p;
    // One orientation per ellipse: angle in (-45, 45], swapping the axes.
    while (angle > 45) [angle, rx, ry] = [angle - 90, ry, rx];
    while (angle <= -45) [angle, rx, ry] = [angle + 90, ry, rx];
    if (Math.abs(angle) < 0.5) angle = 0;
    return { ...p, rx, ry, angle };
  }
  if (p.kind === 'rect' && p.rx < SQUARE_CORNER * limits.tolerance) return { ...p, rx: 0 };
  return p;
}

/** Fits a filled outline: fill closes every subpath, written with z or not. */
export function fitOutline(sub: Subpath, limits: FitLimits): Fit | null {
  if (sub.segments.length < 3) return null;
  const o = sampleOutline(sub);
  const w = o.maxX - o.minX;
  const h = o.maxY - o.minY;
  if (Math.min(w, h) < limits.minSize) return null;
  const circle = check(fitCircle(o), o, limits);
  if (circle) return circle;
  const fits: Fit[] = [];
  const e = fitEllipse(o);
  if (e && Math.abs(e.rx - e.ry) > ROUND * Math.max(e.rx, e.ry)) {
    const f = check(plainest(e, limits), o, limits);
    if (f) fits.push(f);
  }
  const r = fitRect(o);
  if (r) {
    const f = check(plainest(r, limits), o, limits) ?? (r.rx > 0 ? check({ ...r, rx: 0 }, o, limits) : null);
    if (f) fits.push(f);
  }
  if (fits.length === 0) return null;
  return fits.reduce((a, b) => (b.error < a.error ? b : a));
}
