/**
 * Byte savings that cannot change a single rendered pixel: no comments, no XML prolog, no
 * whitespace between tags, no default attributes. Anything lossy belongs to the engines' parameters,
 * where the strategy scores it.
 */
export function optimizeSvg(svg: string): string {
  return svg
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/>\s+</g, '><')
    .replace(/\s+(stroke="none"|fill-opacity="1"|opacity="1"|stroke-width="0")/g, '')
    .replace(/\s+version="1\.1"/, '')
    .trim();
}

/**
 * Sets the root's width/height to the source's size. Engines may trace a downscaled copy: its
 * viewBox stays in trace pixels and the SVG still displays at the source's size.
 */
export function fitSvgToSize(svg: string, width: number, height: number, traceWidth: number, traceHeight: number): string {
  return svg.replace(/<svg\b[^>]*>/, (tag) => {
    let out = tag
      .replace(/\s(width|height|viewBox)="[^"]*"/g, '')
      .replace(/\s*\/?>$/, '');
    out += ` width="${width}" height="${height}" viewBox="0 0 ${traceWidth} ${traceHeight}">`;
    return out;
  });
}
