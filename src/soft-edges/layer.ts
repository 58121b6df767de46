/**
 * The SVG of an image with a glow (fit.ts): the glow drawn first, as nested level areas filled
 * with the glow's colours at their opacities, blurred together by one Gaussian, then the traced
 * drawing over it. Plain SVG 1.1 (filter, feGaussianBlur), as Fluent's own emoji draw theirs;
 * browsers and resvg render it alike. Writers without filters (PDF, EPS) draw the levels
 * unblurred: faint steps, most of them under the shape; DXF, outlines to cut, leaves them out.
 */
import { optimizePathData } from '../pipeline/optimize.js';
import type { GlowLevel } from './fit.js';

export interface GlowLayer {
  /** Blur standard deviation in trace pixels (0: none). */
  sigma: number;
  /** Level areas in trace pixels, outermost first. */
  levels: GlowLevel[];
}

/** Id of the blur (the gradients' ids are g0, g1, ...). */
const FILTER_ID = 'sb';

const short = (v: number) => String(Math.round(v * 1000) / 1000).replace(/^0\./, '.');

/**
 * `svg` with the glow under its drawing; its user unit is `factor` units per trace pixel (see
 * integer-grid.ts) and `decimals` the path precision in those units.
 */
export function withGlow(svg: string, glow: GlowLayer, factor: number, decimals: number): string {
  const open = /^<svg\b[^>]*>/.exec(svg);
  if (!open) return svg;
  let paths = '';
  for (const level of glow.levels) {
    const d = optimizePathData(level.d, decimals, 0, 0, factor);
    if (d === null) return svg;
    paths += `<path d="${d}" fill="${level.colour}" opacity="${short(level.opacity)}"/>`;
  }
  const sigma = Math.round(glow.sigma * factor * 100) / 100;
  const layer = sigma > 0
    ? `<defs><filter id="${FILTER_ID}" x="-.1" y="-.1" width="1.2" height="1.2"><feGaussianBlur stdDeviation="${sigma}"/></filter></defs><g filter="url(#${FILTER_ID})">${paths}</g>`
    : paths;
  return open[0] + layer + svg.slice(open[0].length);
}
