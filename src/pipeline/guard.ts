/** Limits checked against the header, before a single pixel is decoded. */
import { AppError } from '../errors/app-error.js';
import { decodeCost, type ImageLimits } from './limits.js';
import type { ProbeResult } from './probe.js';

export function guardLimits(probe: ProbeResult, limits: ImageLimits): void {
  const { width, height, frames } = probe;
  if (width > limits.maxSidePx || height > limits.maxSidePx) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `The image is ${width}x${height} pixels; each side may be at most ${limits.maxSidePx} pixels.`,
    );
  }
  const mp = (width * height / 1e6).toFixed(1);
  if (width * height > limits.maxPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `The image is ${width}x${height} pixels (${mp} megapixels); the limit is ${limits.maxPixels / 1e6} megapixels.`,
    );
  }
  const cost = decodeCost(probe);
  if (cost > limits.maxPixels) {
    const format = probe.format.toUpperCase();
    // How many times its pixels this format's decode holds (2 for GIF and WebP, see decodeCost).
    const copies = cost / (width * height);
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `The ${format} image is ${width}x${height} pixels (${mp} megapixels); a ${format} image is decoded whole and then copied, which costs twice its pixels, so the limit for it is ${limits.maxPixels / copies / 1e6} megapixels.`,
    );
  }
  if (frames > limits.maxFrames) {
    throw new AppError('TOO_MANY_FRAMES', `The image has ${frames} frames; at most ${limits.maxFrames} are accepted (only the first is traced).`);
  }
}
