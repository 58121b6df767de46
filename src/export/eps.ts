/**
 * The EPS writer (PostScript language level 3). Written here because no maintained npm package
 * writes EPS: the ones that exist rasterise or shell out to Ghostscript/Inkscape. The drawing is
 * simple enough to write directly: every path as moveto/lineto/curveto (curves stay cubic
 * Béziers), fills with fill or eofill, strokes with their width, joins and caps, gradients as
 * level-3 smooth shadings (shfill) clipped to the shape.
 *
 * PostScript has no transparency: an opacity below 1 is approximated by mixing the colour with
 * white (exact over a white page, wrong over other shapes); gradient spread reflect/repeat is drawn
 * as pad. A glow's levels (soft-edges/: nested, under a blur, drawn first) are each drawn as the
 * colour the stack so far composites to over white, so their opacities compound as in the SVG.
 */
import type { OutputSize } from './size.js';
import { apply, drawingToPage } from './page.js';
import { multiply, type Gradient, type Matrix, type Paint, type Rgb, type Shape, type SvgDocument } from './svg-document.js';

const f = (n: number) => String(Math.round(n * 1000) / 1000);

/** A colour mixed with white by `alpha`, as PostScript 0-1 components. */
const rgb = (c: Rgb, alpha: number) =>
  [c.r, c.g, c.b].map((v) => f((v * alpha + 255 * (1 - alpha)) / 255)).join(' ');

function pathOps(shape: Shape, m: Matrix): string {
  const out: string[] = [];
  for (const sp of shape.subpaths) {
    const s = apply(m, sp.start);
    out.push(`${f(s[0])} ${f(s[1])} m`);
    for (const seg of sp.segments) {
      const to = apply(m, seg.to);
      if (seg.kind === 'L') out.push(`${f(to[0])} ${f(to[1])} l`);
      else {
        const [c1, c2] = [apply(m, seg.c1), apply(m, seg.c2)];
        out.push(`${f(c1[0])} ${f(c1[1])} ${f(c2[0])} ${f(c2[1])} ${f(to[0])} ${f(to[1])} c`);
      }
    }
    if (sp.closed) out.push('h');
  }
  return out.join('\n');
}

/** A stitched interpolation function over the gradient's stops (padded to cover 0..1). */
function shadingFunction(g: Gradient, alpha: number): string {
  const stops = [...g.stops];
  if (stops[0]!.offset > 0) stops.unshift({ ...stops[0]!, offset: 0 });
  if (stops[stops.length - 1]!.offset < 1) stops.push({ ...stops[stops.length - 1]!, offset: 1 });
  const pieces: string[] = [];
  const bounds: string[] = [];
  for (let i = 0; i + 1 < stops.length; i++) {
    const [a, b] = [stops[i]!, stops[i + 1]!];
    pieces.push(`<< /FunctionType 2 /Domain [0 1] /C0 [${rgb(a, a.opacity * alpha)}] /C1 [${rgb(b, b.opacity * alpha)}] /N 1 >>`);
    if (i > 0) bounds.push(f(a.offset));
  }
  if (pieces.length === 1) return pieces[0]!;
  return `<< /FunctionType 3 /Domain [0 1] /Functions [${pieces.join(' ')}] /Bounds [${bounds.join(' ')}] /Encode [${pieces.map(() => '0 1').join(' ')}] >>`;
}

function shading(g: Gradient, alpha: number): string {
  const c = g.coords.map(f);
  const coords = g.type === 'linear' ? `[${c.join(' ')}]` : `[${c[3]} ${c[4]} 0 ${c[0]} ${c[1]} ${c[2]}]`;
  return `<< /ShadingType ${g.type === 'linear' ? 2 : 3} /ColorSpace /DeviceRGB /Coords ${coords} /Extend [true true] /Function ${shadingFunction(g, alpha)} >> shfill`;
}

function paintOps(paint: Paint, alpha: number, page: Matrix, clip: string, paintOp: string): string {
  if (paint.kind === 'color') return `${rgb(paint.color, alpha)} rg ${paintOp}`;
  const m = multiply(page, paint.gradient.matrix);
  return `gsave ${clip} newpath [${m.map(f).join(' ')}] concat ${shading(paint.gradient, alpha)} grestore`;
}

export function writeEps(doc: SvgDocument, size: OutputSize): string {
  const page = drawingToPage(size, doc.viewBox);
  const scale = size.placement.scale;
  const body: string[] = [];
  // The glow stack's colour over white so far; each level lies inside the one before.
  let glow: Rgb = { r: 255, g: 255, b: 255 };
  for (const shape of doc.shapes) {
    const ops = [pathOps(shape, page)];
    if (shape.blurred && shape.fill?.kind === 'color' && !shape.stroke) {
      const [c, a] = [shape.fill.color, shape.fillOpacity];
      glow = { r: glow.r * (1 - a) + c.r * a, g: glow.g * (1 - a) + c.g * a, b: glow.b * (1 - a) + c.b * a };
      body.push(`${ops[0]}\ngsave ${rgb(glow, 1)} rg ${shape.fillRule === 'evenodd' ? 'eofill' : 'fill'} grestore\nnewpath`);
      continue;
    }
    glow = { r: 255, g: 255, b: 255 };
    if (shape.fill && shape.fillOpacity > 0) {
      const fillOp = shape.fillRule === 'evenodd' ? 'eofill' : 'fill';
      const clipOp = shape.fillRule === 'evenodd' ? 'eoclip' : 'clip';
      ops.push(`gsave ${paintOps(shape.fill, shape.fillOpacity, page, clipOp, fillOp)} grestore`);
    }
    if (shape.stroke && shape.strokeOpacity > 0 && shape.strokeWidth > 0) {
      const join = { miter: 0, round: 1, bevel: 2 }[shape.lineJoin];
      const cap = { butt: 0, round: 1, square: 2 }[shape.lineCap];
      ops.push(`${f(shape.strokeWidth * scale)} setlinewidth ${join} setlinejoin ${cap} setlinecap ${f(shape.miterLimit)} setmiterlimit`);
      // A gradient stroke is filled as the stroke's outline.
      ops.push(paintOps(shape.stroke, shape.strokeOpacity, page, 'strokepath clip', 'stroke'));
    }
    ops.push('newpath');
    body.push(ops.join('\n'));
  }
  return [
    '%!PS-Adobe-3.0 EPSF-3.0',
    `%%BoundingBox: 0 0 ${Math.ceil(size.widthPt)} ${Math.ceil(size.heightPt)}`,
    `%%HiResBoundingBox: 0 0 ${f(size.widthPt)} ${f(size.heightPt)}`,
    '%%Creator: SVG-AI',
    '%%LanguageLevel: 3',
    '%%Pages: 1',
    '%%EndComments',
    '%%BeginProlog',
    '/m {moveto} bind def /l {lineto} bind def /c {curveto} bind def /h {closepath} bind def /rg {setrgbcolor} bind def',
    '%%EndProlog',
    '%%Page: 1 1',
    'save',
    ...body,
    'restore',
    'showpage',
    '%%EOF',
    '',
  ].join('\n');
}
