/** The svgz writer: the sized SVG, gzip-compressed (what Inkscape and Illustrator open as .svgz). */
import { gzipSync } from 'node:zlib';

export function writeSvgz(sizedSvg: string): Buffer {
  return gzipSync(sizedSvg, { level: 9 });
}
