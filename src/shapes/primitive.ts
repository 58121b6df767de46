/**
 * The primitives a region may become, with what the tolerance test needs of each: the distance
 * from a point to its outline and its area. Angles are in degrees, clockwise (SVG's rotate()).
 */
export type Primitive =
  | { kind: 'circle'; cx: number; cy: number; r: number }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number; angle: number }
  | { kind: 'rect'; cx: number; cy: number; width: number; height: number; rx: number; angle: number };

/** The point in the primitive's own frame: centred, unrotated. */
function local(p: Primitive, x: number, y: number): [number, number] {
  const dx = x - p.cx;
  const dy = y - p.cy;
  if (p.kind === 'circle' || p.angle === 0) return [dx, dy];
  const a = (-p.angle * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [dx * c - dy * s, dx * s + dy * c];
}

/** Distance from (u, v) to the axis-aligned ellipse with semi-axes a, b (Newton on the angle). */
function ellipseDistance(a: number, b: number, u: number, v: number): number {
  const au = Math.abs(u);
  const av = Math.abs(v);
  let t = Math.atan2(a * av, b * au);
  for (let i = 0; i < 8; i++) {
    const c = Math.cos(t);
    const s = Math.sin(t);
    const ex = a * c - au;
    const ey = b * s - av;
    // f = d/dt of half the squared distance, f' its derivative.
    const f = -ex * a * s + ey * b * c;
    const df = a * a * s * s + b * b * c * c - ex * a * c - ey * b * s;
    if (df === 0) break;
    const next = Math.min(Math.PI / 2, Math.max(0, t - f / df));
    if (Math.abs(next - t) < 1e-9) break;
    t = next;
  }
  return Math.hypot(a * Math.cos(t) - au, b * Math.sin(t) - av);
}

/** Signed distance from a point to the primitive's outline: negative inside. */
export function signedDistance(p: Primitive, x: number, y: number): number {
  const [u, v] = local(p, x, y);
  switch (p.kind) {
    case 'circle':
      return Math.hypot(u, v) - p.r;
    case 'ellipse': {
      const d = ellipseDistance(p.rx, p.ry, u, v);
      return (u / p.rx) ** 2 + (v / p.ry) ** 2 < 1 ? -d : d;
    }
    case 'rect': {
      // Signed distance of a rounded box.
      const qx = Math.abs(u) - (p.width / 2 - p.rx);
      const qy = Math.abs(v) - (p.height / 2 - p.rx);
      return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - p.rx;
    }
  }
}

export function distanceToOutline(p: Primitive, x: number, y: number): number {
  return Math.abs(signedDistance(p, x, y));
}

export function primitiveArea(p: Primitive): number {
  switch (p.kind) {
    case 'circle':
      return Math.PI * p.r * p.r;
    case 'ellipse':
      return Math.PI * p.rx * p.ry;
    case 'rect':
      return p.width * p.height - (4 - Math.PI) * p.rx * p.rx;
  }
}

export function primitivePerimeter(p: Primitive): number {
  switch (p.kind) {
    case 'circle':
      return 2 * Math.PI * p.r;
    case 'ellipse': {
      // Ramanujan's approximation: within 0.04 % for any axis ratio a trace produces.
      const h = ((p.rx - p.ry) / (p.rx + p.ry)) ** 2;
      return Math.PI * (p.rx + p.ry) * (1 + (3 * h) / (10 + Math.sqrt(4 - 3 * h)));
    }
    case 'rect':
      return 2 * (p.width + p.height) - (8 - 2 * Math.PI) * p.rx;
  }
}

/** Smaller extent of the primitive (diameter, minor axis or shorter side). */
export function primitiveSize(p: Primitive): number {
  if (p.kind === 'circle') return 2 * p.r;
  if (p.kind === 'ellipse') return 2 * Math.min(p.rx, p.ry);
  return Math.min(p.width, p.height);
}
