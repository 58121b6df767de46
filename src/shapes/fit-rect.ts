/**
 * Rectangle around sampled outline points, rotated or not, with rounded corners where the
 * outline measures them. The orientation is the dominant edge direction (the length-weighted
 * mean of 4x each piece's angle, so the four sides vote together); width and height are the
 * extents in that frame; the corner radius follows from the area the corners cut off: a
 * rounded rectangle has area w·h - (4 - π)·r².
 */
import type { Outline } from './sample.js';
import type { Primitive } from './primitive.js';

/** Angles closer than this to a multiple of 90° (degrees) are taken as axis-aligned. */
const AXIS_SNAP = 0.5;

export function fitRect(o: Outline): Extract<Primitive, { kind: 'rect' }> | null {
  const n = o.xs.length;
  if (n < 8) return null;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const dx = o.xs[j]! - o.xs[i]!;
    const dy = o.ys[j]! - o.ys[i]!;
    const len = Math.hypot(dx, dy);
    if (len === 0) continue;
    const a = 4 * Math.atan2(dy, dx);
    sx += len * Math.cos(a);
    sy += len * Math.sin(a);
  }
  let angle = (Math.atan2(sy, sx) / 4) * (180 / Math.PI); // in (-45, 45]
  if (Math.abs(angle) < AXIS_SNAP) angle = 0;
  const t = (-angle * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (let i = 0; i < n; i++) {
    const u = o.xs[i]! * c - o.ys[i]! * s;
    const v = o.xs[i]! * s + o.ys[i]! * c;
    if (u < minU) minU = u;
    if (u > maxU) maxU = u;
    if (v < minV) minV = v;
    if (v > maxV) maxV = v;
  }
  const width = maxU - minU;
  const height = maxV - minV;
  if (!(width > 0) || !(height > 0)) return null;
  const cu = (minU + maxU) / 2;
  const cv = (minV + maxV) / 2;
  // Back to image coordinates (rotate by +angle).
  const cx = cu * c + cv * s;
  const cy = -cu * s + cv * c;
  const cut = width * height - Math.abs(o.area);
  let rx = cut > 0 ? Math.sqrt(cut / (4 - Math.PI)) : 0;
  rx = Math.min(rx, Math.min(width, height) / 2);
  return { kind: 'rect', cx, cy, width, height, rx, angle };
}
