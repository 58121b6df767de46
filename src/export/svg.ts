/**
 * The SVG writer: the scored SVG with its page size in the asked unit (width/height with units and
 * the drawing's viewBox, so Inkscape and Illustrator open it at its physical size) and, with
 * group_by=color, one <g> per colour holding the shared paint.
 */
import type { ExportOptions } from '../pipeline/options.js';
import { svgLength, type OutputSize } from './size.js';
import { readSvg } from './svg-document.js';

const ROOT = /<svg\b([^>]*)>/;

/** The root element's width and height replaced by the page size; the viewBox kept (added when absent). */
export function sizeSvg(svg: string, size: OutputSize, viewBox: { x: number; y: number; width: number; height: number }): string {
  return svg.replace(ROOT, (_m, attrs: string) => {
    const rest = attrs.replace(/\s(width|height|viewBox)="[^"]*"/g, '');
    const vb = `${viewBox.x} ${viewBox.y} ${viewBox.width} ${viewBox.height}`;
    return `<svg${rest} width="${svgLength(size.width, size.unit)}" height="${svgLength(size.height, size.unit)}" viewBox="${vb}">`;
  });
}

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/g;
const MOVABLE = new Set(['path', 'rect', 'circle', 'ellipse', 'polygon', 'polyline']);
/** Inherited paint properties that may sit on a group instead of on every member. */
const HOISTABLE = ['fill', 'fill-rule', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-linejoin', 'stroke-linecap', 'stroke-miterlimit'];

interface Piece {
  text: string;
  /** Set for a lone drawing element with a flat fill: it may join its colour's group. */
  color?: string;
  bbox?: { x: number; y: number; width: number; height: number };
}

const overlaps = (a: NonNullable<Piece['bbox']>, b: NonNullable<Piece['bbox']>) =>
  a.x <= b.x + b.width && b.x <= a.x + a.width && a.y <= b.y + b.height && b.y <= a.y + a.height;

/** The root's children as top-level pieces of text. */
function topLevel(svg: string): { head: string; pieces: Piece[]; tail: string } | undefined {
  const pieces: Piece[] = [];
  let depth = 0;
  let start = -1;
  let head = '';
  for (const m of svg.matchAll(TAG)) {
    const [text, closing, name, , selfClosing] = m;
    const at = m.index;
    if (closing) {
      depth--;
      if (depth === 0) return { head, pieces, tail: svg.slice(at) };
      if (depth === 1) pieces.push({ text: svg.slice(start, at + text.length) });
      continue;
    }
    if (depth === 0) {
      if (name !== 'svg') return undefined;
      head = svg.slice(0, at + text.length);
    } else if (depth === 1) {
      start = at;
      if (selfClosing) {
        const piece: Piece = { text };
        const fill = / fill="(#[0-9a-fA-F]{3,6})"/.exec(text);
        if (fill && MOVABLE.has(name!) && !/\s(transform|opacity)=/.test(text)) {
          const shape = readSvg(`<svg xmlns="http://www.w3.org/2000/svg">${text}</svg>`).shapes[0];
          if (shape) {
            const pad = shape.stroke ? shape.strokeWidth / 2 : 0;
            piece.color = fill[1]!.toLowerCase();
            piece.bbox = { x: shape.bbox.x - pad, y: shape.bbox.y - pad, width: shape.bbox.width + 2 * pad, height: shape.bbox.height + 2 * pad };
          }
        }
        pieces.push(piece);
        continue;
      }
    }
    if (!selfClosing) depth++;
  }
  return undefined;
}

interface Group {
  color?: string;
  members: Piece[];
}

/**
 * One <g> per colour where the picture allows it. A shape joins the last group of its colour only
 * if it overlaps nothing drawn in the groups after that one (bounding boxes), so the painting order
 * of every overlapping pair is kept and the picture does not change; otherwise it opens a new group.
 * A colour's shape that could join no other stays as it is.
 */
export function groupByColor(svg: string): string {
  const parsed = topLevel(svg);
  if (!parsed) return svg;
  const groups: Group[] = [];
  for (const piece of parsed.pieces) {
    if (piece.color && piece.bbox) {
      let joined = false;
      for (let i = groups.length - 1; i >= 0; i--) {
        const g = groups[i]!;
        if (g.color === piece.color) {
          g.members.push(piece);
          joined = true;
          break;
        }
        if (g.members.some((m) => !m.bbox || overlaps(m.bbox, piece.bbox!))) break;
      }
      if (!joined) groups.push({ color: piece.color, members: [piece] });
    } else {
      groups.push({ members: [piece] });
    }
  }
  const body = groups
    .map((g) => {
      // A group of one would only add bytes.
      if (!g.color || g.members.length === 1) return g.members[0]!.text;
      const shared = HOISTABLE.filter((name) => {
        const values = g.members.map((m) => new RegExp(`\\s${name}="([^"]*)"`).exec(m.text)?.[1]);
        return values[0] !== undefined && values.every((v) => v === values[0]);
      }).map((name) => [name, new RegExp(`\\s${name}="([^"]*)"`).exec(g.members[0]!.text)![1]!] as const);
      const attrs = shared.map(([n, v]) => ` ${n}="${v}"`).join('');
      const members = g.members.map((m) => shared.reduce((t, [n]) => t.replace(new RegExp(`\\s${n}="[^"]*"`), ''), m.text)).join('');
      return `<g${attrs}>${members}</g>`;
    })
    .join('');
  return parsed.head + body + parsed.tail;
}

export function writeSvg(svg: string, size: OutputSize, viewBox: { x: number; y: number; width: number; height: number }, options: Pick<ExportOptions, 'groupBy'>): string {
  const grouped = options.groupBy === 'color' ? groupByColor(svg) : svg;
  return sizeSvg(grouped, size, viewBox);
}
