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
 * Works on the pdfkit document svg-to-pdfkit draws into: a path being built under a gradient
 * fill colour is held back until its fill operator, then written with the mask set before it.
 */
import type PDFDocument from 'pdfkit';

type Doc = InstanceType<typeof PDFDocument>;

/** Path construction operators (PDF 32000-1, 8.5.2): what may stand between a path's start and its paint. */
const PATH_OP = /^(?:-?[\d.e+-]+ )*(?:m|l|c|v|y|re|h)$/;
const FILL_OP = /^f\*?$/;

/** True for pdfkit's gradient objects (linear and radial): what `fillColor` turns into a shading pattern. */
function isGradient(color: unknown): boolean {
  return typeof color === 'object' && color !== null && 'stops' in color && typeof (color as { apply?: unknown }).apply === 'function';
}

export function maskGradientEdges(doc: Doc): void {
  const addContent = doc.addContent.bind(doc);
  const fillColor = doc.fillColor.bind(doc);
  let gradientFill = false;
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
    return fillColor(color as never, opacity);
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
      addContent(`${num(x0 - 1)} ${num(y0 - 1)} ${num(x1 - x0 + 2)} ${num(y1 - y0 + 2)} re f`);
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
