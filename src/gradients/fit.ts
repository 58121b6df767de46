/**
 * Least-squares fits of a region's colour: flat, linear (colour against position along one
 * direction) and radial (colour against distance from a centre), in Oklab, plus opacity.
 *
 * A region is summarised by its moments (sums of weights, positions, colours and their products),
 * which add: the fit of a union of regions is the fit of the summed moments, so merging
 * neighbours that one gradient explains costs no second pass over the pixels. Colour channels are
 * weighted by each pixel's alpha (a nearly transparent pixel says little about colour); opacity
 * has weight 1 per pixel.
 */

/** Channels per pixel: Oklab L, a, b (alpha-weighted) and alpha (weight 1). */
export const CHANNELS = 4;
const ALPHA = 3;

/**
 * Sums over a region's pixels. For channel k with weight w (alpha for colour, 1 for alpha):
 * w, w*x, w*y, w*xx, w*xy, w*yy, w*c, w*c*x, w*c*y, w*c*c, plus the isotropic quadratic terms
 * (q = x^2 + y^2) the radial centre estimate needs.
 */
export class Moments {
  /** Per weight kind (0: colour weight alpha, 1: alpha weight 1): w, x, y, xx, xy, yy, q, qx, qy, qq. */
  readonly geo = new Float64Array(20);
  /** Per channel: c, cx, cy, cc, cq. */
  readonly ch = new Float64Array(CHANNELS * 5);
  /** Pixel count (unweighted). */
  pixels = 0;
  minX = Infinity;
  minY = Infinity;
  maxX = -Infinity;
  maxY = -Infinity;

  /** Adds one pixel at (x, y) (its centre) with Oklab colour and alpha in [0, 1]. */
  add(x: number, y: number, L: number, a: number, b: number, alpha: number): void {
    this.pixels++;
    if (x < this.minX) this.minX = x;
    if (x > this.maxX) this.maxX = x;
    if (y < this.minY) this.minY = y;
    if (y > this.maxY) this.maxY = y;
    const q = x * x + y * y;
    addGeo(this.geo, 0, alpha, x, y, q);
    addGeo(this.geo, 10, 1, x, y, q);
    addChannel(this.ch, 0, alpha, x, y, q, L);
    addChannel(this.ch, 5, alpha, x, y, q, a);
    addChannel(this.ch, 10, alpha, x, y, q, b);
    addChannel(this.ch, 15, 1, x, y, q, alpha);
  }

  merge(other: Moments): void {
    for (let i = 0; i < this.geo.length; i++) this.geo[i]! += other.geo[i]!;
    for (let i = 0; i < this.ch.length; i++) this.ch[i]! += other.ch[i]!;
    this.pixels += other.pixels;
    this.minX = Math.min(this.minX, other.minX);
    this.minY = Math.min(this.minY, other.minY);
    this.maxX = Math.max(this.maxX, other.maxX);
    this.maxY = Math.max(this.maxY, other.maxY);
  }

  clone(): Moments {
    const m = new Moments();
    m.merge(this);
    return m;
  }

  /** Becomes the union of `a` and `b` (the same sums clone-and-merge gives), allocating nothing. */
  assignUnion(a: Moments, b: Moments): this {
    for (let i = 0; i < this.geo.length; i++) this.geo[i] = a.geo[i]! + b.geo[i]!;
    for (let i = 0; i < this.ch.length; i++) this.ch[i] = a.ch[i]! + b.ch[i]!;
    this.pixels = a.pixels + b.pixels;
    this.minX = Math.min(a.minX, b.minX);
    this.minY = Math.min(a.minY, b.minY);
    this.maxX = Math.max(a.maxX, b.maxX);
    this.maxY = Math.max(a.maxY, b.maxY);
    return this;
  }
}

function addGeo(g: Float64Array, o: number, w: number, x: number, y: number, q: number): void {
  g[o]! += w;
  g[o + 1]! += w * x;
  g[o + 2]! += w * y;
  g[o + 3]! += w * x * x;
  g[o + 4]! += w * x * y;
  g[o + 5]! += w * y * y;
  g[o + 6]! += w * q;
  g[o + 7]! += w * q * x;
  g[o + 8]! += w * q * y;
  g[o + 9]! += w * q * q;
}

function addChannel(c: Float64Array, o: number, w: number, x: number, y: number, q: number, v: number): void {
  c[o]! += w * v;
  c[o + 1]! += w * v * x;
  c[o + 2]! += w * v * y;
  c[o + 3]! += w * v * v;
  c[o + 4]! += w * v * q;
}

/** A colour with opacity: Oklab and alpha in [0, 1]. */
export type Paint = [L: number, a: number, b: number, alpha: number];

export interface FlatFit {
  kind: 'flat';
  paint: Paint;
  /** Weighted squared error (Oklab units^2, summed over channels and pixels). */
  sse: number;
}

export interface LinearFit {
  kind: 'linear';
  /** Stops at p0 (offset 0) and p1 (offset 1), both outside or on the region's extent. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  stops: Paint[];
  sse: number;
}

export interface RadialFit {
  kind: 'radial';
  cx: number;
  cy: number;
  r: number;
  stops: Paint[];
  sse: number;
}

export type Fit = FlatFit | LinearFit | RadialFit;

const weightOffset = (k: number) => (k === ALPHA ? 10 : 0);

/** Flat colour: the weighted mean per channel. */
export function fitFlat(m: Moments): FlatFit {
  const paint: Paint = [0, 0, 0, 0];
  let sse = 0;
  for (let k = 0; k < CHANNELS; k++) {
    const w = m.geo[weightOffset(k)]!;
    const c = m.ch[k * 5]!;
    const cc = m.ch[k * 5 + 3]!;
    const mean = w > 0 ? c / w : k === ALPHA ? 1 : 0;
    paint[k] = mean;
    sse += Math.max(0, cc - (w > 0 ? (c * c) / w : 0));
  }
  return { kind: 'flat', paint, sse };
}

/** Centred second moments of position for a weight kind: var x, cov xy, var y (times weight), mean x, mean y. */
function positionStats(m: Moments, o: number) {
  const w = m.geo[o]!;
  const mx = m.geo[o + 1]! / w;
  const my = m.geo[o + 2]! / w;
  return {
    w,
    mx,
    my,
    sxx: m.geo[o + 3]! - w * mx * mx,
    sxy: m.geo[o + 4]! - w * mx * my,
    syy: m.geo[o + 5]! - w * my * my,
  };
}

/**
 * Linear gradient: the direction u in which the colour changes most (the leading eigenvector of
 * the summed outer products of each channel's least-squares plane slope, weighted by the
 * region's spread), then each channel regressed on t = u . p. Two stops where the colour is
 * nearly straight in sRGB, three when the ends differ enough for sRGB interpolation to bow.
 */
export function fitLinear(m: Moments): LinearFit | null {
  if (m.pixels < 3) return null;
  const slopes: { gx: number; gy: number }[] = [];
  let axx = 0;
  let axy = 0;
  let ayy = 0;
  for (let k = 0; k < CHANNELS; k++) {
    const o = weightOffset(k);
    const s = positionStats(m, o);
    if (!(s.w > 0)) return null;
    const det = s.sxx * s.syy - s.sxy * s.sxy;
    if (!(det > 1e-9 * (s.sxx + s.syy) ** 2) || !(det > 0)) return null; // a line of pixels: no plane
    const c = m.ch[k * 5]!;
    const scx = m.ch[k * 5 + 1]! - s.mx * c;
    const scy = m.ch[k * 5 + 2]! - s.my * c;
    const gx = (s.syy * scx - s.sxy * scy) / det;
    const gy = (s.sxx * scy - s.sxy * scx) / det;
    slopes.push({ gx, gy });
    axx += gx * gx;
    axy += gx * gy;
    ayy += gy * gy;
  }
  // Leading eigenvector of [[axx, axy], [axy, ayy]].
  const tr = axx + ayy;
  if (!(tr > 1e-14)) return null;
  const lambda = tr / 2 + Math.sqrt(((axx - ayy) / 2) ** 2 + axy * axy);
  let ux = axy;
  let uy = lambda - axx;
  if (Math.abs(ux) + Math.abs(uy) < 1e-12) {
    ux = lambda - ayy;
    uy = axy;
  }
  if (Math.abs(ux) + Math.abs(uy) < 1e-12) {
    ux = 1;
    uy = 0;
  }
  const len = Math.hypot(ux, uy);
  ux /= len;
  uy /= len;
  // Regression of each channel on t = u . p (t's moments follow from the position moments).
  const coef: { mean: number; slope: number; meanT: number }[] = [];
  let sse = 0;
  for (let k = 0; k < CHANNELS; k++) {
    const o = weightOffset(k);
    const s = positionStats(m, o);
    const meanT = ux * s.mx + uy * s.my;
    const stt = ux * ux * s.sxx + 2 * ux * uy * s.sxy + uy * uy * s.syy;
    const c = m.ch[k * 5]!;
    const cc = m.ch[k * 5 + 3]!;
    const mean = c / s.w;
    const sct = ux * (m.ch[k * 5 + 1]! - s.mx * c) + uy * (m.ch[k * 5 + 2]! - s.my * c);
    const slope = stt > 1e-12 ? sct / stt : 0;
    coef.push({ mean, slope, meanT });
    sse += Math.max(0, cc - c * mean - slope * sct);
  }
  // The gradient spans the projection of the region's bounding box (pixel centres +- 0.5).
  const xs = [m.minX - 0.5, m.maxX + 0.5];
  const ys = [m.minY - 0.5, m.maxY + 0.5];
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const x of xs) for (const y of ys) {
    const t = ux * x + uy * y;
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
  }
  const at = (t: number): Paint => coef.map((q) => q.mean + q.slope * (t - q.meanT)) as Paint;
  const p0 = at(tMin);
  const p1 = at(tMax);
  const stops = needsMiddle(p0, p1) ? [p0, at((tMin + tMax) / 2), p1] : [p0, p1];
  // p0/p1 as points: the centre of the box projected onto the line, moved to tMin and tMax.
  const cx = (m.minX + m.maxX) / 2;
  const cy = (m.minY + m.maxY) / 2;
  const tc = ux * cx + uy * cy;
  return {
    kind: 'linear',
    x0: cx + ux * (tMin - tc),
    y0: cy + uy * (tMin - tc),
    x1: cx + ux * (tMax - tc),
    y1: cy + uy * (tMax - tc),
    stops,
    sse,
  };
}

/** Oklab distance between the ends beyond which a middle stop keeps sRGB interpolation on the fitted line. */
const MIDDLE_STOP_DISTANCE = 0.12;

function needsMiddle(p0: Paint, p1: Paint): boolean {
  return Math.hypot(p0[0] - p1[0], p0[1] - p1[1], p0[2] - p1[2]) > MIDDLE_STOP_DISTANCE;
}

/**
 * The centre of a radial gradient: the vertex of the isotropic quadratic
 * L = c0 + c1 x + c2 y + c3 (x^2 + y^2) fitted to lightness (colour weight). Null when the
 * region's lightness has no such curvature, or the centre is implausibly far away.
 */
export function radialCentre(m: Moments): { cx: number; cy: number } | null {
  if (m.pixels < 8) return null;
  const g = m.geo;
  // Normal equations for regressors [1, x, y, q] with weight alpha.
  const A = [
    [g[0]!, g[1]!, g[2]!, g[6]!],
    [g[1]!, g[3]!, g[4]!, g[7]!],
    [g[2]!, g[4]!, g[5]!, g[8]!],
    [g[6]!, g[7]!, g[8]!, g[9]!],
  ];
  const rhs = [m.ch[0]!, m.ch[1]!, m.ch[2]!, m.ch[4]!];
  const sol = solve4(A, rhs);
  if (!sol) return null;
  const [, c1, c2, c3] = sol as [number, number, number, number];
  if (!(Math.abs(c3) > 1e-12)) return null;
  const cx = -c1 / (2 * c3);
  const cy = -c2 / (2 * c3);
  const span = Math.max(m.maxX - m.minX, m.maxY - m.minY) + 1;
  const mx = (m.minX + m.maxX) / 2;
  const my = (m.minY + m.maxY) / 2;
  if (!(Math.hypot(cx - mx, cy - my) <= span)) return null;
  return { cx, cy };
}

/** Gaussian elimination with partial pivoting on a 4x4 system, scaled for conditioning. */
function solve4(A: number[][], b: number[]): number[] | null {
  const n = 4;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[piv]![col]!)) piv = r;
    if (!(Math.abs(M[piv]![col]!) > 1e-12 * (Math.abs(M[0]![0]!) + 1))) return null;
    [M[col], M[piv]] = [M[piv]!, M[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = M[r]![col]! / M[col]![col]!;
      for (let c = col; c <= n; c++) M[r]![c]! -= f * M[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= M[r]![c]! * x[c]!;
    x[r] = s / M[r]![r]!;
  }
  return x.every(Number.isFinite) ? x : null;
}

/**
 * Sums for regressing each channel on the distance d from a centre: weight kind sums w, d, dd
 * and per channel c*d, gathered in a second pass over the region's pixels.
 */
export class RadialMoments {
  /** Per weight kind: w, d, dd. */
  readonly geo = new Float64Array(6);
  /** Per channel: c*d (c and cc come from the Moments). */
  readonly cd = new Float64Array(CHANNELS);
  maxD = 0;

  constructor(
    readonly cx: number,
    readonly cy: number,
  ) {}

  add(x: number, y: number, L: number, a: number, b: number, alpha: number): void {
    const d = Math.hypot(x - this.cx, y - this.cy);
    // The farthest corner of the pixel, so the last stop covers it.
    if (d + 0.71 > this.maxD) this.maxD = d + 0.71;
    this.geo[0]! += alpha;
    this.geo[1]! += alpha * d;
    this.geo[2]! += alpha * d * d;
    this.geo[3]! += 1;
    this.geo[4]! += d;
    this.geo[5]! += d * d;
    this.cd[0]! += alpha * L * d;
    this.cd[1]! += alpha * a * d;
    this.cd[2]! += alpha * b * d;
    this.cd[3]! += alpha * d;
  }
}

/** Radial gradient: each channel regressed on the distance from the centre. */
export function fitRadial(m: Moments, r: RadialMoments): RadialFit | null {
  if (!(r.maxD > 0.5)) return null;
  const coef: { mean: number; slope: number; meanD: number }[] = [];
  let sse = 0;
  for (let k = 0; k < CHANNELS; k++) {
    const o = k === ALPHA ? 3 : 0;
    const w = r.geo[o]!;
    if (!(w > 0)) return null;
    const meanD = r.geo[o + 1]! / w;
    const sdd = r.geo[o + 2]! - w * meanD * meanD;
    const c = m.ch[k * 5]!;
    const cc = m.ch[k * 5 + 3]!;
    const mean = c / w;
    const scd = r.cd[k]! - meanD * c;
    const slope = sdd > 1e-12 ? scd / sdd : 0;
    coef.push({ mean, slope, meanD });
    sse += Math.max(0, cc - c * mean - slope * scd);
  }
  const at = (d: number): Paint => coef.map((q) => q.mean + q.slope * (d - q.meanD)) as Paint;
  const p0 = at(0);
  const p1 = at(r.maxD);
  return { kind: 'radial', cx: r.cx, cy: r.cy, r: r.maxD, stops: needsMiddle(p0, p1) ? [p0, at(r.maxD / 2), p1] : [p0, p1], sse };
}
