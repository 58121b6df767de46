/**
 * The DXF writer (@tarikjabiri/dxf). Every outline of every shape becomes one entity in drawing
 * order: a closed or open LWPOLYLINE when it is all straight lines, else a cubic SPLINE whose
 * control points and knots (multiplicity 3 at every joint) are exactly the path's Bézier pieces,
 * so curves stay curves with no tolerance at all. Entities carry their shape's colour as true
 * colour and sit on one layer per colour (cutters and CAD programs select by layer).
 *
 * DXF as cutters read it has outlines, not paint: fills are not written as HATCH, stroke widths
 * are not kept (an outline is a cut line), gradients become their stops' mean colour and opacity
 * is dropped. Coordinates are in the asked unit with y up; px and pt have no DXF unit, so those
 * files are unitless.
 */
import { DxfWriter, LWPolylineFlags, SplineFlags, TrueColor, Units, point3d } from '@tarikjabiri/dxf';
import type { SizeUnit } from '../pipeline/options.js';
import { convertLength, type OutputSize } from './size.js';
import { apply, drawingToPage } from './page.js';
import { hex, meanColor, multiply, type Matrix, type Point, type Subpath, type SvgDocument } from './svg-document.js';

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

export function writeDxf(doc: SvgDocument, size: OutputSize): string {
  const dxf = new DxfWriter();
  dxf.setUnits(DXF_UNITS[size.unit]);
  // Page points to the asked unit.
  const toUnit = convertLength(1, 'pt', size.unit, size.dpi);
  const m = multiply([toUnit, 0, 0, toUnit, 0, 0], drawingToPage(size, doc.viewBox));
  for (const shape of doc.shapes) {
    const paint = shape.fill ?? shape.stroke;
    if (!paint) continue;
    const color = meanColor(paint);
    const layerName = `COLOR_${hex(color).slice(1).toUpperCase()}`;
    const trueColor = String(TrueColor.fromRGB(color.r, color.g, color.b));
    if (!dxf.layer(layerName)) {
      const layer = dxf.addLayer(layerName, 7);
      layer.trueColor = TrueColor.fromRGB(color.r, color.g, color.b);
    }
    for (const sp of shape.subpaths) {
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
