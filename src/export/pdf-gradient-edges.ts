/**
 * Gradient fills that poppler keeps inside their shapes, anti-aliased like flat ones.
 *
 * A PDF gradient is a shading pattern, and poppler (pdftoppm, Evince, Okular) paints a pattern
 * fill into every device pixel the shape touches, at full strength, while it anti-aliases flat
 * fills. A gradient-filled shape under a later flat one then shows along their shared edge: a
 * hidden tile background, dark under a light sky, drew a line one pixel high across a whole
 * photo (measured at the SVG's own size: 765 of 768 pixels of one row, SSIM 0.024 below the SVG).
 * Clipping the pattern to its path changes nothing (the clip is rasterised the same way).
 *
 * So every gradient fill is painted through a soft mask: the path filled white in a luminosity
 * mask, which poppler anti-aliases, and the pattern painted over the path's box under it. On that
 * photo's PDF the line is a quarter as dark (row 255: 27 levels darker than the SVG's render
 * instead of 104) and no longer shows where the edge falls between pixels; poppler still gives
 * a masked polygon a little coverage in the pixel row outside an edge that lies exactly on a
 * pixel boundary (an axis-aligned rectangle it snaps: none). Ghostscript's render of the masked
 * page differs from the SVG's in 1229 of its 393,216 pixels (its own anti-aliasing). It costs a
 * form and a graphics state per gradient: that photo's PDF went from 65 KB to 98 KB.
 *
 * A gradient with opacity (stop-opacity, or a fill-opacity svg-to-pdfkit folds into the stops) is
 * a tiling pattern in pdfkit whose cell sets a soft mask of its own; poppler lets that inner mask
 * replace the outer one, so the pattern painted its whole box (a transparent flame's PDF became a
 * patchwork of rectangles). Such a fill is painted as a transparency group: poppler keeps a
 * group's inner mask to the group and applies the outer one when it composites the group.
 *
 * Works on the pdfkit document svg-to-pdfkit draws into: a path being built under a gradient
 * fill colour is held back until its fill operator, then written with the mask set before it.
 */
import type PDFDocument from 'pdfkit';

type Doc = InstanceType<typeof PDFDocument>;

/** Path construction operators (PDF 32000-1, 8.5.2): what may stand between a path's start and its paint. */
const PATH_OP = /^(?:-?[\d.e+-]+ )*(?:m|l|c|v|y|re|h)$/;
const FILL_OP = /^f\*?$/;

/** pdfkit's gradient objects (linear and radial), as far as this module reads them. */
interface PdfGradient {
  /** `[offset, colour, opacity]` per stop. */
  stops: [number, unknown, number][];
  /** The page pattern's name, set when `fillColor` embeds the gradient. */
  id: string;
  apply: unknown;
}

/** True for pdfkit's gradient objects: what `fillColor` turns into a shading pattern. */
function isGradient(color: unknown): color is PdfGradient {
  return typeof color === 'object' && color !== null && 'stops' in color && typeof (color as { apply?: unknown }).apply === 'function';
}

export function maskGradientEdges(doc: Doc): void {
  const addContent = doc.addContent.bind(doc);
  const fillColor = doc.fillColor.bind(doc);
  let gradientFill = false;
  /** The current fill's gradient when it has opacity: painted as a group (see the module's comment). */
  let translucent: PdfGradient | undefined;
  let held: string[] = [];
  let masks = 0;
  let unmask: string | undefined;

  const flush = () => {
    for (const op of held) addContent(op);
    held = [];
  };

  doc.fillColor = ((color: unknown, opacity?: number) => {
    flush();
    gradientFill = isGradient(color);
    const result = fillColor(color as never, opacity);
    translucent = isGradient(color) && color.stops.some((stop) => stop[2] < 1) ? color : undefined;
    return result;
  }) as Doc['fillColor'];

  doc.addContent = ((data: unknown) => {
    const op = String(data).trim();
    if (gradientFill && PATH_OP.test(op)) {
      held.push(op);
      return doc;
    }
    if (gradientFill && FILL_OP.test(op) && held.length > 0) {
      const path = held.join('\n');
      held = [];
      const name = `GsEdge${++masks}`;
      const [x0, y0, x1, y1] = pathBox(path);
      doc.page.ext_gstates[name] = softMask(doc, path, op, [x0 - 1, y0 - 1, x1 + 1, y1 + 1]);
      if (!unmask) {
        unmask = 'GsEdge0';
        const none = doc.ref({ Type: 'ExtGState', SMask: 'None' });
        none.end('');
        doc.page.ext_gstates[unmask] = none;
      }
      // The mask holds the shape, so the pattern only has to fill its box: the path is written
      // once. The mask is set for this one fill, then taken off: later flat fills paint as before.
      addContent(`/${name} gs`);
      if (translucent) paintGroup(doc, addContent, `FmEdge${masks}`, translucent, [x0 - 1, y0 - 1, x1 + 1, y1 + 1]);
      else addContent(`${num(x0 - 1)} ${num(y0 - 1)} ${num(x1 - x0 + 2)} ${num(y1 - y0 + 2)} re f`);
      return addContent(`/${unmask} gs`);
    }
    flush();
    return addContent(data);
  }) as Doc['addContent'];
}

/** An ExtGState whose soft mask is `path` filled white (same fill rule) on black, in the current user space. */
function softMask(doc: Doc, path: string, fill: string, box: number[]) {
  const form = doc.ref({
    Type: 'XObject',
    Subtype: 'Form',
    FormType: 1,
    BBox: box.map(num),
    Group: { Type: 'Group', S: 'Transparency', CS: 'DeviceGray' },
  });
  form.end(`1 g\n${path}\n${fill}`);
  const state = doc.ref({ Type: 'ExtGState', SMask: { Type: 'Mask', S: 'Luminosity', G: form } });
  state.end('');
  return state;
}

/**
 * Paints `box` (user space) with the gradient's page pattern inside a transparency group, page
 * XObject `name`. pdfkit's patterns live in the space where its `_ctm` is the identity (the page's,
 * or an svg-to-pdfkit group's), and a form's patterns in the form's own: so the form is drawn with
 * that transform undone, and the box goes in as its bounds in that space. The soft mask, set
 * before, stays where it was set.
 */
function paintGroup(doc: Doc, addContent: Doc['addContent'], name: string, gradient: PdfGradient, box: number[]): void {
  const ctm = (doc as Doc & { _ctm: number[] })._ctm;
  const [a, b, c, d, e, f] = ctm as [number, number, number, number, number, number];
  const det = a * d - b * c;
  const inverse = [d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of [[box[0]!, box[1]!], [box[2]!, box[1]!], [box[0]!, box[3]!], [box[2]!, box[3]!]] as const) {
    xs.push(a * x + c * y + e);
    ys.push(b * x + d * y + f);
  }
  const bounds = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const form = doc.ref({
    Type: 'XObject',
    Subtype: 'Form',
    FormType: 1,
    BBox: bounds.map(num),
    Group: { Type: 'Group', S: 'Transparency' },
    Resources: { Pattern: { [gradient.id]: doc.page.patterns[gradient.id] } },
  });
  form.end(`/Pattern cs /${gradient.id} scn\n${num(bounds[0]!)} ${num(bounds[1]!)} ${num(bounds[2]! - bounds[0]!)} ${num(bounds[3]! - bounds[1]!)} re f`);
  doc.page.xobjects[name] = form;
  addContent(`q ${inverse.map((n) => Math.round(n * 1e6) / 1e6).join(' ')} cm /${name} Do Q`);
}

/** Numbers as pdfkit writes them: a few decimals, no exponent. */
function num(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Bounds of the points a path's operators name (control points included: the box only has to contain the path). */
function pathBox(path: string): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (x: number, y: number) => {
    box[0] = Math.min(box[0], x);
    box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x);
    box[3] = Math.max(box[3], y);
  };
  for (const line of path.split('\n')) {
    const parts = line.split(' ');
    const n = parts.slice(0, -1).map(Number);
    if (parts.at(-1) === 're') {
      add(n[0]!, n[1]!);
      add(n[0]! + n[2]!, n[1]! + n[3]!);
    } else for (let i = 0; i + 1 < n.length; i += 2) add(n[i]!, n[i + 1]!);
  }
  return box;
}
