/**
 * The DXF writer (@tarikjabiri/dxf). Every outline of every shape becomes one entity in drawing
 * order: a closed or open LWPOLYLINE when it is all straight lines, else a cubic SPLINE whose
 * control points and knots (multiplicity 3 at every joint) are exactly the path's Bézier pieces,
 * so curves stay curves with no tolerance at all. Entities carry their shape's colour as true
 * colour and sit on one layer per colour (cutters and CAD programs select by layer).
 *
 * Outlines of even-odd shapes are oriented by nesting (see orientForWinding).
 *
 * DXF as cutters read it has outlines, not paint: fills are not written as HATCH, stroke widths
 * are not kept (an outline is a cut line), gradients become their stops' mean colour and opacity
 * is dropped. The sheet under a line drawing (a centerline trace on coloured paper) is not a line
 * to cut or draw, so it is left out, and so are a glow's blurred levels. Coordinates are in the asked unit with y up; px and pt have no DXF unit, so those
 * files are unitless.
 */
import { DxfWriter, LWPolylineFlags, SplineFlags, TrueColor, Units, point3d } from '@tarikjabiri/dxf';
import type { SizeUnit } from '../pipeline/options.js';
import { convertLength, type OutputSize } from './size.js';
import { apply, drawingToPage } from './page.js';
import { hex, meanColor, multiply, type Matrix, type Point, type Shape, type Subpath, type SvgDocument } from './svg-document.js';

const DXF_UNITS: Record<SizeUnit, Units> = { px: Units.Unitless, pt: Units.Unitless, in: Units.Inches, cm: Units.Centimeters, mm: Units.Millimeters };

/** Control points and knots of one clamped cubic B-spline equal to the subpath's Bézier chain. */
export function bezierChainToSpline(sp: Subpath, m: Matrix): { controlPoints: Point[]; knots: number[] } {
  const controlPoints: Point[] = [apply(m, sp.start)];
  let from = sp.start;
  const segments = [...sp.segments];
  const last = segments[segments.length - 1]!.to;
  if (sp.closed && (last[0] !== sp.start[0] || last[1] !== sp.start[1])) segments.push({ kind: 'L', to: sp.start });
  for (const seg of segments) {
    if (seg.kind === 'C') controlPoints.push(apply(m, seg.c1), apply(m, seg.c2), apply(m, seg.to));
    else {
      // A line as a cubic: control points at its thirds.
      const third = (t: number): Point => [from[0] + (seg.to[0] - from[0]) * t, from[1] + (seg.to[1] - from[1]) * t];
      controlPoints.push(apply(m, third(1 / 3)), apply(m, third(2 / 3)), apply(m, seg.to));
    }
    from = seg.to;
  }
  const n = segments.length;
  const knots = [0, 0, 0, 0];
  for (let i = 1; i < n; i++) knots.push(i, i, i);
  knots.push(n, n, n, n);
  return { controlPoints, knots };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** The subpath as a polygon: its end points and the middle of each curve (enough to tell inside from outside). */
function polygonOf(sp: Subpath): Point[] {
  const out: Point[] = [sp.start];
  let p = sp.start;
  for (const s of sp.segments) {
    if (s.kind === 'C') {
      const mid = (a: number, b: number, c: number, d: number) => (a + 3 * b + 3 * c + d) / 8;
      out.push([mid(p[0], s.c1[0], s.c2[0], s.to[0]), mid(p[1], s.c1[1], s.c2[1], s.to[1])]);
    }
    out.push(s.to);
    p = s.to;
  }
  return out;
}

const signedArea = (poly: Point[]) => poly.reduce((a, p, i) => { const q = poly[(i + 1) % poly.length]!; return a + p[0] * q[1] - q[0] * p[1]; }, 0) / 2;

function inside(point: Point, poly: Point[]): boolean {
  let odd = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [a, b] = [poly[i]!, poly[j]!];
    if (a[1] > point[1] !== b[1] > point[1] && point[0] < ((b[0] - a[0]) * (point[1] - a[1])) / (b[1] - a[1]) + a[0]) odd = !odd;
  }
  return odd;
}

function reversed(sp: Subpath): Subpath {
  const points = [sp.start, ...sp.segments.map((s) => s.to)];
  const segments: Subpath['segments'] = [];
  for (let i = sp.segments.length - 1; i >= 0; i--) {
    const s = sp.segments[i]!;
    const to = points[i]!;
    segments.push(s.kind === 'C' ? { kind: 'C', c1: s.c2, c2: s.c1, to } : { kind: 'L', to });
  }
  return { start: points[points.length - 1]!, segments, closed: sp.closed };
}

/**
 * DXF has no fill rule: an even-odd shape's outlines are oriented by how deeply they nest, outer
 * boundaries one way and holes the other (counter-clockwise and clockwise with y up, as CAM programs
 * expect), so a reader filling by winding sees the same holes. Non-zero shapes keep their own winding.
 */
export function orientForWinding(subpaths: Subpath[]): Subpath[] {
  const polys = subpaths.map(polygonOf);
  return subpaths.map((sp, i) => {
    if (!sp.closed) return sp;
    const depth = polys.reduce((n, poly, j) => (j !== i && subpaths[j]!.closed && inside(sp.start, poly) ? n + 1 : n), 0);
    // Drawing space has y down: there a positive area is clockwise on the page, so outer boundaries get negative area.
    const wantPositive = depth % 2 === 1;
    return signedArea(polys[i]!) > 0 === wantPositive ? sp : reversed(sp);
  });
}

/**
 * The sheet of a line drawing: a filled rectangle covering the whole drawing, first, under shapes
 * that are all open strokes with no fill (what a centerline trace on a coloured sheet is). In a
 * filled drawing the same rectangle is a shape like any other and is kept.
 */
export function lineDrawingSheet(doc: SvgDocument): Shape | undefined {
  const [first, ...rest] = doc.shapes;
  if (!first?.fill || rest.length === 0 || !rest.every((s) => !s.fill && s.stroke)) return undefined;
  if (first.subpaths.length !== 1 || first.subpaths[0]!.segments.some((g) => g.kind !== 'L')) return undefined;
  const { x, y, width, height } = first.bbox;
  const vb = doc.viewBox;
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  const covers = near(x, vb.x) && near(y, vb.y) && near(width, vb.width) && near(height, vb.height);
  // Its corners only: a rectangle, not some other outline with the same bounds.
  const corners = [first.subpaths[0]!.start, ...first.subpaths[0]!.segments.map((g) => g.to)];
  const onCorner = corners.every(([px, py]) => (near(px, x) || near(px, x + width)) && (near(py, y) || near(py, y + height)));
  return covers && onCorner ? first : undefined;
}

export function writeDxf(doc: SvgDocument, size: OutputSize): string {
  const dxf = new DxfWriter();
  dxf.setUnits(DXF_UNITS[size.unit]);
  // Page points to the asked unit.
  const toUnit = convertLength(1, 'pt', size.unit, size.dpi);
  const m = multiply([toUnit, 0, 0, toUnit, 0, 0], drawingToPage(size, doc.viewBox));
  const sheet = lineDrawingSheet(doc);
  for (const shape of doc.shapes) {
    // A glow's levels (drawn under a blur) fade out: no edge there to cut or draw.
    if (shape === sheet || shape.blurred) continue;
    const paint = shape.fill ?? shape.stroke;
    if (!paint) continue;
    const color = meanColor(paint);
    const layerName = `COLOR_${hex(color).slice(1).toUpperCase()}`;
    const trueColor = String(TrueColor.fromRGB(color.r, color.g, color.b));
    if (!dxf.layer(layerName)) {
      const layer = dxf.addLayer(layerName, 7);
      layer.trueColor = TrueColor.fromRGB(color.r, color.g, color.b);
    }
    // A filled outline is closed whether or not its path data says Z (an optimiser may leave it out): a cut line must close.
    const outlines = shape.fill ? shape.subpaths.map((sp) => (sp.closed ? sp : { ...sp, closed: true })) : shape.subpaths;
    for (const sp of shape.fill && shape.fillRule === 'evenodd' ? orientForWinding(outlines) : outlines) {
      if (sp.segments.every((s) => s.kind === 'L')) {
        const points = [sp.start, ...sp.segments.map((s) => s.to)].map((p) => apply(m, p));
        const first = points[0]!;
        const end = points[points.length - 1]!;
        if (sp.closed && points.length > 1 && first[0] === end[0] && first[1] === end[1]) points.pop();
        dxf.addLWPolyline(
          points.map(([x, y]) => ({ point: { x: round(x), y: round(y) } })),
          { flags: sp.closed ? LWPolylineFlags.Closed : LWPolylineFlags.None, layerName, trueColor },
        );
      } else {
        const { controlPoints, knots } = bezierChainToSpline(sp, m);
        dxf.addSpline(
          { controlPoints: controlPoints.map(([x, y]) => point3d(round(x), round(y), 0)), degreeCurve: 3, knots, flags: SplineFlags.Planar },
          { layerName, trueColor },
        );
      }
    }
  }
  return dxf.stringify();
}
