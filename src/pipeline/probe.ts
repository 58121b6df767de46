/**
 * Dimensions, frames and depth read from the header only: sharp's metadata() does not decode pixels,
 * so a 20000x20000 bomb costs a few kilobytes of parsing here.
 */
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../errors/app-error.js';
import type { ImageFormat } from './sniff.js';

export interface ProbeResult {
  format: ImageFormat;
  /** Upright dimensions (EXIF orientation 5-8 swaps them). */
  width: number;
  height: number;
  frames: number;
  orientation: number;
  hasAlpha: boolean;
  depth: string;
  space: string;
}

/**
 * Headers already read, by upload: admission probes an upload on the main thread and the pool probes
 * the same bytes again for its pixel budget. On a small machine a burst of uploads queues those
 * sharp calls on the event loop, so the second read costs the next caller real time.
 */
const probed = new WeakMap<Uint8Array, ProbeResult>();

export async function probeImage(bytes: Uint8Array, format: ImageFormat): Promise<ProbeResult> {
  const known = probed.get(bytes);
  if (known?.format === format) return known;
  const result = await readHeader(bytes, format);
  probed.set(bytes, result);
  return result;
}

async function readHeader(bytes: Uint8Array, format: ImageFormat): Promise<ProbeResult> {
  let meta: Metadata;
  try {
    // limitInputPixels is off here only: the guard stage gives a precise refusal from these numbers.
    meta = await sharp(bytes, { limitInputPixels: false, animated: true }).metadata();
  } catch (cause) {
    throw new AppError('INVALID_IMAGE', `The ${format.toUpperCase()} header could not be read; the file looks damaged.`, {
      cause,
    });
  }
  const width = meta.width ?? 0;
  const frames = meta.pages ?? 1;
  // With animated: true, sharp reports the height of all frames stacked; pageHeight is one frame.
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (!(width > 0 && height > 0)) {
    throw new AppError('INVALID_IMAGE', `The image header declares ${width}x${height} pixels; an image needs at least 1x1.`);
  }
  const orientation = meta.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  return {
    format,
    width: swap ? height : width,
    height: swap ? width : height,
    frames,
    orientation,
    hasAlpha: meta.hasAlpha ?? false,
    depth: meta.depth ?? 'uchar',
    space: meta.space ?? 'srgb',
  };
}
