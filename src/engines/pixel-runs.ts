/**
 * The exact engine for tiny images (a favicon, a 1x1 pixel, a 1xN strip): one rectangle per run of
 * identical pixels in a row, one path per colour. Tracers cannot describe a few pixels (a 1x1
 * image came back as an empty SVG, SSIM 0.0-0.22); at this size the exact answer is small, and it
 * renders back to the very same pixels.
 */
import type { Engine, RgbaImage } from './engine.js';

export type PixelRunsParams = Record<string, never>;

/** Largest image the pixel-runs engine is used for on its own: 32 px per side, or a strip 8 px thin. */
export function isTinyImage(image: { width: number; height: number }): boolean {
  return Math.max(image.width, image.height) <= 32 || (Math.min(image.width, image.height) <= 8 && image.width * image.height <= 16384);
}

const hex = (v: number) => v.toString(16).padStart(2, '0');

export function pixelRunsSvg(image: RgbaImage): string {
  const { width, height, data } = image;
  const paths = new Map<number, string[]>();
  for (let y = 0; y < height; y++) {
    let x = 0;
    while (x < width) {
      const at = (y * width + x) * 4;
      const key = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
      let end = x + 1;
      while (end < width) {
        const o = (y * width + end) * 4;
        if (data[o] !== data[at] || data[o + 1] !== data[at + 1] || data[o + 2] !== data[at + 2] || data[o + 3] !== data[at + 3]) break;
        end++;
      }
      if (data[at + 3] !== 0) {
        let list = paths.get(key);
        if (!list) paths.set(key, (list = []));
        list.push(`M${x} ${y}h${end - x}v1h${x - end}z`);
      }
      x = end;
    }
  }
  const body = [...paths]
    .map(([key, runs]) => {
      const alpha = key & 0xff;
      const fill = `#${hex(key >>> 24)}${hex((key >>> 16) & 0xff)}${hex((key >>> 8) & 0xff)}`;
      const opacity = alpha === 255 ? '' : ` fill-opacity="${+(alpha / 255).toFixed(4)}"`;
      return `<path fill="${fill}"${opacity} d="${runs.join('')}"/>`;
    })
    .join('');
  // crispEdges: the rectangles sit on the pixel grid, so nothing is blended at their borders.
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" shape-rendering="crispEdges">${body}</svg>`;
}

export const pixelRunsEngine: Engine<PixelRunsParams> = {
  name: 'pixels',
  version: '1',
  trace: async (image) => pixelRunsSvg(image),
};
