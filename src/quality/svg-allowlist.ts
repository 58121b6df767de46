/**
 * The output SVG may contain only drawing: shapes, paths, groups, gradients, a blur. No script, no event
 * handler, no reference outside the document and no embedded raster, whatever an engine emits.
 */
const ELEMENTS = new Set([
  'svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'polygon', 'polyline', 'line',
  'defs', 'linearGradient', 'radialGradient', 'stop', 'title', 'desc',
  // Glows (src/soft-edges/): a silhouette under a Gaussian blur.
  'filter', 'feGaussianBlur',
]);

const ATTRIBUTES = new Set([
  'xmlns', 'version', 'width', 'height', 'viewBox', 'preserveAspectRatio', 'id',
  'd', 'fill', 'fill-rule', 'fill-opacity', 'opacity', 'transform', 'clip-rule',
  'stroke', 'stroke-width', 'stroke-opacity', 'stroke-linejoin', 'stroke-linecap', 'stroke-miterlimit',
  'x', 'y', 'rx', 'ry', 'cx', 'cy', 'r', 'fx', 'fy', 'points', 'x1', 'y1', 'x2', 'y2',
  'offset', 'stop-color', 'stop-opacity', 'gradientUnits', 'gradientTransform', 'spreadMethod',
  'shape-rendering', 'color-interpolation', 'filter', 'stdDeviation',
]);

export class UnsafeSvgError extends Error {
  constructor(reason: string) {
    super(`SVG output failed the allowlist: ${reason}`);
    this.name = 'UnsafeSvgError';
  }
}

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/y;
const ATTR = /\s+([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/gy;

/** Throws UnsafeSvgError unless every element and attribute is on the allowlist. */
export function assertSafeSvg(svg: string): void {
  let i = 0;
  let depth = 0;
  let sawRoot = false;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    if (lt < 0) break;
    if (svg.startsWith('<?xml', lt)) {
      const end = svg.indexOf('?>', lt);
      if (end < 0) throw new UnsafeSvgError('unterminated XML declaration');
      i = end + 2;
      continue;
    }
    if (svg.startsWith('<!--', lt)) {
      const end = svg.indexOf('-->', lt);
      if (end < 0) throw new UnsafeSvgError('unterminated comment');
      i = end + 3;
      continue;
    }
    if (svg.startsWith('<!', lt)) throw new UnsafeSvgError('DOCTYPE, entity or CDATA section');
    TAG.lastIndex = lt;
    const m = TAG.exec(svg);
    if (!m) throw new UnsafeSvgError(`malformed tag at offset ${lt}`);
    const [, closing, name, attrs] = m;
    if (!ELEMENTS.has(name!)) throw new UnsafeSvgError(`element <${name}>`);
    if (!closing) {
      if (!sawRoot && name !== 'svg') throw new UnsafeSvgError('root element is not <svg>');
      sawRoot = true;
      ATTR.lastIndex = 0;
      const text = attrs ?? '';
      let a: RegExpExecArray | null;
      while (ATTR.lastIndex < text.length && (a = ATTR.exec(text))) {
        const attr = a[1]!;
        const value = a[2] ?? a[3] ?? '';
        if (!ATTRIBUTES.has(attr)) throw new UnsafeSvgError(`attribute ${attr} on <${name}>`);
        if (attr === 'xmlns' && value !== 'http://www.w3.org/2000/svg') throw new UnsafeSvgError('foreign namespace');
        // Paint may reference a gradient in this document (url(#id)) and nothing else.
        if (/url\s*\(/i.test(value) && !/^url\(#[\w.-]+\)$/.test(value.trim())) throw new UnsafeSvgError(`external reference in ${attr}`);
        if (/javascript:|data:|&/i.test(value)) throw new UnsafeSvgError(`unsafe value in ${attr}`);
      }
      if (!m[4]) depth++;
    } else {
      depth--;
    }
    // Text between tags is only whitespace in drawing-only SVG (title/desc aside).
    const next = svg.indexOf('<', TAG.lastIndex);
    const between = svg.slice(TAG.lastIndex, next < 0 ? svg.length : next);
    if (/[<>&]/.test(between)) throw new UnsafeSvgError('markup in text content');
    i = TAG.lastIndex;
  }
  if (!sawRoot || depth !== 0) throw new UnsafeSvgError('not a complete <svg> document');
}
