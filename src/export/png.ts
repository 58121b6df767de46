/** The PNG writer: the SVG rendered by resvg at the asked size in device pixels (size at `dpi`). */
import { Resvg } from '@resvg/resvg-js';
import type { OutputSize } from './size.js';

export function writePng(svg: string, size: OutputSize, viewBox: { x: number; y: number; width: number; height: number }): Buffer {
  // Rendered with the page in whole pixels, so the PNG is exactly widthPx x heightPx.
  const canvas = svg.replace(/<svg\b([^>]*)>/, (_m, attrs: string) => {
    const rest = attrs.replace(/\s(width|height|viewBox)="[^"]*"/g, '');
    return `<svg${rest} width="${size.widthPx}" height="${size.heightPx}" viewBox="${viewBox.x} ${viewBox.y} ${viewBox.width} ${viewBox.height}">`;
  });
  const rendered = new Resvg(canvas, { fitTo: { mode: 'original' }, font: { loadSystemFonts: false }, logLevel: 'off' }).render();
  return Buffer.from(rendered.asPng());
}
