/** Drawing (viewBox) coordinates to page points with y up, as PostScript and DXF count them. */
import type { OutputSize } from './size.js';
import type { Matrix, Point } from './svg-document.js';

export function drawingToPage(size: OutputSize, viewBox: { x: number; y: number }): Matrix {
  const { x, y, scale } = size.placement;
  return [scale, 0, 0, -scale, x - viewBox.x * scale, size.heightPt - y + viewBox.y * scale];
}

export const apply = (m: Matrix, p: Point): Point => [m[0] * p[0] + m[2] * p[1] + m[4], m[1] * p[0] + m[3] * p[1] + m[5]];
