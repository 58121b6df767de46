/**
 * draw_style=stroke: every shape's outline drawn as a stroke of one width in the shape's colour,
 * with no fill (what a cutter or a plotter follows). Applied to each candidate before it is
 * scored, so the SSIM returned is that of the stroked drawing itself.
 */
import type { ConvertOptions } from './options.js';

const SHAPE = /<(path|rect|circle|ellipse|polygon|polyline|line)\b([^>]*?)(\/?)>/g;

/** Stroke width in source pixels: the asked one, or one source pixel (a hairline cut) for auto. */
export function outlineWidth(options: ConvertOptions): number | undefined {
  if (options.drawStyle !== 'stroke') return undefined;
  return typeof options.strokeWidth === 'number' ? options.strokeWidth : 1;
}

/** Each shape's paint moved from fill to stroke, `width` wide in the SVG's own units. */
export function toOutlines(svg: string, width: number): string {
  const w = Math.round(width * 1000) / 1000;
  return svg.replace(SHAPE, (_tag, name: string, attrs: string, selfClosing: string) => {
    const fill = /\sfill="([^"]*)"/.exec(attrs)?.[1];
    const rest = attrs.replace(/\s(fill|stroke|stroke-width|stroke-linejoin|stroke-linecap|fill-rule)="[^"]*"/g, '');
    if (fill === 'none') return `<${name}${rest} fill="none"${selfClosing}>`;
    // Round joins and caps: the cutter's path has no spikes at sharp corners.
    return `<${name}${rest} fill="none" stroke="${fill ?? '#000'}" stroke-width="${w}" stroke-linejoin="round" stroke-linecap="round"${selfClosing}>`;
  });
}
