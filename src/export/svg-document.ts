/**
 * Our own SVG (drawing-only, see quality/svg-allowlist.ts) read into a list of painted shapes that
 * the non-SVG writers draw: every path absolute, in cubic Béziers and lines, with the element and
 * group transforms applied, and the paint, opacity and stroke each shape ends up with. Fills,
 * open stroked paths (stroke and centerline drawing) and gradients are all kept.
 */
import svgpath from 'svgpath';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface GradientStop extends Rgb {
  offset: number;
  opacity: number;
}

export interface Gradient {
  type: 'linear' | 'radial';
  stops: GradientStop[];
  /** linear: x1 y1 x2 y2; radial: cx cy r fx fy (gradient space). */
  coords: number[];
  /** Gradient space to drawing (viewBox) space, [a b c d e f]. */
  matrix: Matrix;
  spread: 'pad' | 'reflect' | 'repeat';
}

export type Paint = { kind: 'color'; color: Rgb } | { kind: 'gradient'; gradient: Gradient };

export type Point = [number, number];
export type Segment = { kind: 'L'; to: Point } | { kind: 'C'; c1: Point; c2: Point; to: Point };

export interface Subpath {
  start: Point;
  segments: Segment[];
  closed: boolean;
}

export interface Shape {
  subpaths: Subpath[];
  fill: Paint | null;
  fillRule: 'nonzero' | 'evenodd';
  /** fill-opacity x opacity of the element and its groups. */
  fillOpacity: number;
  stroke: Paint | null;
  strokeOpacity: number;
  /** In drawing units, after the transform's scale. */
  strokeWidth: number;
  lineJoin: 'miter' | 'round' | 'bevel';
  lineCap: 'butt' | 'round' | 'square';
  miterLimit: number;
  bbox: { x: number; y: number; width: number; height: number };
  /** Under a blur filter (the element or a group): a glow's level (soft-edges/), drawn unblurred here. */
  blurred: boolean;
}

export interface SvgDocument {
  width: number;
  height: number;
  viewBox: { x: number; y: number; width: number; height: number };
  shapes: Shape[];
}

export type Matrix = [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

export function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1],
    m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3],
    m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4],
    m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}

export function parseTransform(text: string | undefined): Matrix {
  let m: Matrix = IDENTITY;
  if (!text) return m;
  for (const [, name, args] of text.matchAll(/(\w+)\s*\(([^)]*)\)/g)) {
    const a = args!.split(/[\s,]+/).filter((s) => s !== '').map(Number);
    let t: Matrix = IDENTITY;
    switch (name) {
      case 'matrix':
        t = [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!];
        break;
      case 'translate':
        t = [1, 0, 0, 1, a[0] ?? 0, a[1] ?? 0];
        break;
      case 'scale':
        t = [a[0]!, 0, 0, a[1] ?? a[0]!, 0, 0];
        break;
      case 'rotate': {
        const r = ((a[0] ?? 0) * Math.PI) / 180;
        const [cx, cy] = [a[1] ?? 0, a[2] ?? 0];
        t = multiply(multiply([1, 0, 0, 1, cx, cy], [Math.cos(r), Math.sin(r), -Math.sin(r), Math.cos(r), 0, 0]), [1, 0, 0, 1, -cx, -cy]);
        break;
      }
      case 'skewX':
        t = [1, 0, Math.tan(((a[0] ?? 0) * Math.PI) / 180), 1, 0, 0];
        break;
      case 'skewY':
        t = [1, Math.tan(((a[0] ?? 0) * Math.PI) / 180), 0, 1, 0, 0];
        break;
    }
    m = multiply(m, t);
  }
  return m;
}

const NAMED: Record<string, Rgb> = { black: { r: 0, g: 0, b: 0 }, white: { r: 255, g: 255, b: 255 } };

export function parseColor(text: string): Rgb | undefined {
  const t = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(t);
  if (hex) {
    const h = hex[1]!.length === 3 ? hex[1]!.replace(/./g, (c) => c + c) : hex[1]!;
    const v = parseInt(h, 16);
    return { r: v >> 16, g: (v >> 8) & 255, b: v & 255 };
  }
  const rgb = /^rgb\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)\s*\)$/.exec(t);
  if (rgb) return { r: Number(rgb[1]), g: Number(rgb[2]), b: Number(rgb[3]) };
  return NAMED[t];
}

export const hex = (c: Rgb): string => '#' + ((1 << 24) | (c.r << 16) | (c.g << 8) | c.b).toString(16).slice(1);

interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
}

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function parseTree(svg: string): Element {
  const root: Element = { name: '#document', attrs: {}, children: [] };
  const stack = [root];
  for (const m of svg.matchAll(TAG)) {
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(ATTR)) attrs[a[1]!] = a[2] ?? a[3] ?? '';
    const el: Element = { name: name!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(el);
    if (!selfClosing) stack.push(el);
  }
  const svgEl = root.children.find((c) => c.name === 'svg');
  if (!svgEl) throw new Error('not an SVG document');
  return svgEl;
}

const num = (v: string | undefined, fallback = 0): number => {
  if (v === undefined) return fallback;
  const n = parseFloat(v);
  return Number.isFinite(n) ? n : fallback;
};

/** An offset or length that may be a percentage (of 1 for gradient offsets and bounding-box units). */
const fraction = (v: string | undefined, fallback: number): number => {
  if (v === undefined) return fallback;
  return v.trim().endsWith('%') ? parseFloat(v) / 100 : num(v, fallback);
};

/** Primitive elements as path data (rounded rect corners and ellipses as arcs). */
function pathDataOf(el: Element): string | undefined {
  const a = el.attrs;
  switch (el.name) {
    case 'path':
      return a.d;
    case 'rect': {
      const [x, y, w, h] = [num(a.x), num(a.y), num(a.width), num(a.height)];
      if (!(w > 0 && h > 0)) return undefined;
      let rx = a.rx !== undefined ? num(a.rx) : a.ry !== undefined ? num(a.ry) : 0;
      let ry = a.ry !== undefined ? num(a.ry) : rx;
      rx = Math.min(rx, w / 2);
      ry = Math.min(ry, h / 2);
      if (rx <= 0 || ry <= 0) return `M${x} ${y}H${x + w}V${y + h}H${x}Z`;
      return (
        `M${x + rx} ${y}H${x + w - rx}A${rx} ${ry} 0 0 1 ${x + w} ${y + ry}V${y + h - ry}` +
        `A${rx} ${ry} 0 0 1 ${x + w - rx} ${y + h}H${x + rx}A${rx} ${ry} 0 0 1 ${x} ${y + h - ry}V${y + ry}A${rx} ${ry} 0 0 1 ${x + rx} ${y}Z`
      );
    }
    case 'circle':
    case 'ellipse': {
      const [cx, cy] = [num(a.cx), num(a.cy)];
      const rx = el.name === 'circle' ? num(a.r) : num(a.rx);
      const ry = el.name === 'circle' ? num(a.r) : num(a.ry);
      if (!(rx > 0 && ry > 0)) return undefined;
      return `M${cx - rx} ${cy}A${rx} ${ry} 0 1 0 ${cx + rx} ${cy}A${rx} ${ry} 0 1 0 ${cx - rx} ${cy}Z`;
    }
    case 'line':
      return `M${num(a.x1)} ${num(a.y1)}L${num(a.x2)} ${num(a.y2)}`;
    case 'polyline':
    case 'polygon': {
      const p = (a.points ?? '').trim().split(/[\s,]+/).map(Number);
      if (p.length < 4) return undefined;
      let d = `M${p[0]} ${p[1]}`;
      for (let i = 2; i + 1 < p.length; i += 2) d += `L${p[i]} ${p[i + 1]}`;
      return el.name === 'polygon' ? d + 'Z' : d;
    }
  }
  return undefined;
}

/** Path data in drawing space as subpaths of lines and cubics (quadratics raised, arcs as cubics). */
export function toSubpaths(d: string, m: Matrix): Subpath[] {
  const out: Subpath[] = [];
  let current: Subpath | undefined;
  const path = svgpath(d).matrix(m).abs().unshort().unarc();
  let last: Point = [0, 0];
  path.iterate((seg, _i, x, y) => {
    const cmd = seg[0];
    const s = seg as unknown as (string | number)[];
    const n = (k: number) => s[k] as number;
    if (cmd === 'M') {
      current = { start: [n(1), n(2)], segments: [], closed: false };
      out.push(current);
      last = [n(1), n(2)];
      return;
    }
    if (!current) {
      current = { start: [x, y], segments: [], closed: false };
      out.push(current);
    }
    switch (cmd) {
      case 'L':
        last = [n(1), n(2)];
        current.segments.push({ kind: 'L', to: last });
        break;
      case 'H':
        last = [n(1), y];
        current.segments.push({ kind: 'L', to: last });
        break;
      case 'V':
        last = [x, n(1)];
        current.segments.push({ kind: 'L', to: last });
        break;
      case 'C':
        last = [n(5), n(6)];
        current.segments.push({ kind: 'C', c1: [n(1), n(2)], c2: [n(3), n(4)], to: last });
        break;
      case 'Q': {
        // A quadratic is a cubic with its control point pulled two thirds of the way.
        const q: Point = [n(1), n(2)];
        const to: Point = [n(3), n(4)];
        current.segments.push({
          kind: 'C',
          c1: [x + (2 / 3) * (q[0] - x), y + (2 / 3) * (q[1] - y)],
          c2: [to[0] + (2 / 3) * (q[0] - to[0]), to[1] + (2 / 3) * (q[1] - to[1])],
          to,
        });
        last = to;
        break;
      }
      case 'Z':
      case 'z':
        current.closed = true;
        // A new segment after Z without M starts at the subpath's start.
        last = current.start;
        current = { start: last, segments: [], closed: false };
        out.push(current);
        break;
    }
  });
  void last;
  return out.filter((p) => p.segments.length > 0);
}

function boundsOf(subpaths: Subpath[]): Shape['bbox'] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (p: Point) => {
    x0 = Math.min(x0, p[0]);
    y0 = Math.min(y0, p[1]);
    x1 = Math.max(x1, p[0]);
    y1 = Math.max(y1, p[1]);
  };
  for (const sp of subpaths) {
    add(sp.start);
    for (const s of sp.segments) {
      if (s.kind === 'C') {
        add(s.c1);
        add(s.c2);
      }
      add(s.to);
    }
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : { x: 0, y: 0, width: 0, height: 0 };
}

interface Inherited {
  fill: string;
  fillRule: string;
  fillOpacity: number;
  stroke: string;
  strokeOpacity: number;
  strokeWidth: number;
  lineJoin: string;
  lineCap: string;
  miterLimit: number;
  opacity: number;
  matrix: Matrix;
  blurred: boolean;
}

function gradientsOf(root: Element): Map<string, Element> {
  const found = new Map<string, Element>();
  const walk = (el: Element) => {
    if ((el.name === 'linearGradient' || el.name === 'radialGradient') && el.attrs.id) found.set(el.attrs.id, el);
    el.children.forEach(walk);
  };
  walk(root);
  return found;
}

function gradientPaint(el: Element, ctm: Matrix, bbox: Shape['bbox']): Gradient | undefined {
  const a = el.attrs;
  const stops: GradientStop[] = [];
  let previous = 0;
  for (const s of el.children.filter((c) => c.name === 'stop')) {
    const color = parseColor(s.attrs['stop-color'] ?? 'black') ?? { r: 0, g: 0, b: 0 };
    // Offsets never go back (SVG clamps them to the previous one).
    previous = Math.max(previous, Math.min(1, Math.max(0, fraction(s.attrs.offset, 0))));
    stops.push({ ...color, offset: previous, opacity: Math.min(1, Math.max(0, num(s.attrs['stop-opacity'], 1))) });
  }
  if (stops.length === 0) return undefined;
  const userSpace = a.gradientUnits === 'userSpaceOnUse';
  const unitsMatrix: Matrix = userSpace ? IDENTITY : [bbox.width, 0, 0, bbox.height, bbox.x, bbox.y];
  // Bounding-box units are measured on the transformed shape here, so only user-space gradients take the CTM.
  const matrix = multiply(multiply(userSpace ? ctm : IDENTITY, unitsMatrix), parseTransform(a.gradientTransform));
  const spread = a.spreadMethod === 'reflect' || a.spreadMethod === 'repeat' ? a.spreadMethod : 'pad';
  if (el.name === 'linearGradient') {
    const coords = [fraction(a.x1, 0), fraction(a.y1, 0), fraction(a.x2, 1), fraction(a.y2, 0)];
    return { type: 'linear', stops, coords, matrix, spread };
  }
  const [cx, cy, r] = [fraction(a.cx, 0.5), fraction(a.cy, 0.5), fraction(a.r, 0.5)];
  return { type: 'radial', stops, coords: [cx, cy, r, fraction(a.fx, cx), fraction(a.fy, cy)], matrix, spread };
}

/** Reads our SVG into painted shapes in drawing (viewBox) space. */
export function readSvg(svg: string): SvgDocument {
  const root = parseTree(svg);
  const width = num(root.attrs.width, 0);
  const height = num(root.attrs.height, 0);
  const vb = (root.attrs.viewBox ?? '').trim().split(/[\s,]+/).map(Number);
  const viewBox =
    vb.length === 4 && vb.every(Number.isFinite) && vb[2]! > 0 && vb[3]! > 0
      ? { x: vb[0]!, y: vb[1]!, width: vb[2]!, height: vb[3]! }
      : { x: 0, y: 0, width: width || 1, height: height || 1 };
  const gradients = gradientsOf(root);
  const shapes: Shape[] = [];
  const paint = (value: string, ctm: Matrix, bbox: Shape['bbox']): Paint | null => {
    const ref = /^url\(#([\w.-]+)\)/.exec(value.trim());
    if (ref) {
      const el = gradients.get(ref[1]!);
      const g = el ? gradientPaint(el, ctm, bbox) : undefined;
      return g ? { kind: 'gradient', gradient: g } : null;
    }
    const color = value === 'none' ? undefined : parseColor(value);
    return color ? { kind: 'color', color } : null;
  };

  const walk = (el: Element, inherited: Inherited) => {
    if (el.name === 'defs' || el.name === 'linearGradient' || el.name === 'radialGradient' || el.name === 'title' || el.name === 'desc') return;
    const a = el.attrs;
    const matrix = multiply(inherited.matrix, parseTransform(a.transform));
    const scale = Math.sqrt(Math.abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]));
    const own: Inherited = {
      fill: a.fill ?? inherited.fill,
      fillRule: a['fill-rule'] ?? inherited.fillRule,
      fillOpacity: a['fill-opacity'] !== undefined ? num(a['fill-opacity'], 1) : inherited.fillOpacity,
      stroke: a.stroke ?? inherited.stroke,
      strokeOpacity: a['stroke-opacity'] !== undefined ? num(a['stroke-opacity'], 1) : inherited.strokeOpacity,
      // Kept in the element's own units; scaled by the transform when the shape is drawn.
      strokeWidth: a['stroke-width'] !== undefined ? num(a['stroke-width'], 1) : inherited.strokeWidth,
      lineJoin: a['stroke-linejoin'] ?? inherited.lineJoin,
      lineCap: a['stroke-linecap'] ?? inherited.lineCap,
      miterLimit: a['stroke-miterlimit'] !== undefined ? num(a['stroke-miterlimit'], 4) : inherited.miterLimit,
      // Group opacity is applied to each shape: exact where a group's shapes do not overlap.
      opacity: inherited.opacity * num(a.opacity, 1),
      matrix,
      blurred: inherited.blurred || a.filter !== undefined,
    };
    if (el.name === 'g' || el.name === 'svg') {
      for (const child of el.children) walk(child, own);
      return;
    }
    const d = pathDataOf(el);
    if (!d) return;
    const subpaths = toSubpaths(d, matrix);
    if (subpaths.length === 0) return;
    const bbox = boundsOf(subpaths);
    shapes.push({
      subpaths,
      fill: paint(own.fill, matrix, bbox),
      fillRule: own.fillRule === 'evenodd' ? 'evenodd' : 'nonzero',
      fillOpacity: Math.min(1, Math.max(0, own.fillOpacity * own.opacity)),
      stroke: paint(own.stroke, matrix, bbox),
      strokeOpacity: Math.min(1, Math.max(0, own.strokeOpacity * own.opacity)),
      strokeWidth: own.strokeWidth * scale,
      lineJoin: own.lineJoin === 'round' || own.lineJoin === 'bevel' ? own.lineJoin : 'miter',
      lineCap: own.lineCap === 'round' || own.lineCap === 'square' ? own.lineCap : 'butt',
      miterLimit: own.miterLimit,
      bbox,
      blurred: own.blurred,
    });
  };
  walk(root, {
    fill: 'black',
    fillRule: 'nonzero',
    fillOpacity: 1,
    stroke: 'none',
    strokeOpacity: 1,
    strokeWidth: 1,
    lineJoin: 'miter',
    lineCap: 'butt',
    miterLimit: 4,
    opacity: 1,
    matrix: IDENTITY,
    blurred: false,
  });
  return { width: width || viewBox.width, height: height || viewBox.height, viewBox, shapes };
}

/** One colour standing for a paint where a format has no gradients: the stops' mean, weighted by their spans. */
export function meanColor(paint: Paint): Rgb {
  if (paint.kind === 'color') return paint.color;
  const stops = paint.gradient.stops;
  if (stops.length === 1) return stops[0]!;
  let [r, g, b, total] = [0, 0, 0, 0];
  for (let i = 0; i + 1 < stops.length; i++) {
    const [s, t] = [stops[i]!, stops[i + 1]!];
    const w = t.offset - s.offset;
    r += ((s.r + t.r) / 2) * w;
    g += ((s.g + t.g) / 2) * w;
    b += ((s.b + t.b) / 2) * w;
    total += w;
  }
  if (total <= 0) return stops[0]!;
  return { r: Math.round(r / total), g: Math.round(g / total), b: Math.round(b / total) };
}
