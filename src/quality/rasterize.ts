/** Renders an SVG back to pixels at an exact size, the way a browser would show it. */
import { Resvg } from '@resvg/resvg-js';

export interface RenderedSvg {
  width: number;
  height: number;
  /** Premultiplied RGBA, as resvg (tiny-skia) produces it. */
  premultiplied: Uint8Array;
}

export function renderSvg(svg: string, width: number, height: number): RenderedSvg {
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: false },
    logLevel: 'off',
  }).render();
  if (rendered.width !== width || rendered.height !== height) {
    // The SVG's aspect ratio differs from the source's: that is an engine bug, and scoring a
    // stretched render would hide it, so refuse to score instead.
    throw new Error(`SVG rendered at ${rendered.width}x${rendered.height}, expected ${width}x${height}`);
  }
  return { width, height, premultiplied: new Uint8Array(rendered.pixels) };
}
