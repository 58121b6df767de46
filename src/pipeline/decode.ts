/**
 * Pixels from bytes: first frame only, EXIF orientation applied, sRGB, straight 8-bit RGBA.
 * Transparency is kept; flattening is the scorer's business, not the decoder's.
 */
import sharp from 'sharp';
import { AppError } from '../errors/app-error.js';
import type { RgbaImage } from '../engines/engine.js';
import type { ImageLimits } from './limits.js';
import type { ProbeResult } from './probe.js';

export interface DecodedImage extends RgbaImage {
  /** True when at least one pixel is not fully opaque. */
  readonly hasTransparency: boolean;
}

type FailOn = 'warning' | 'error';

async function toRgba(bytes: Uint8Array, limits: ImageLimits, ignoreIcc: boolean, failOn: FailOn) {
  return sharp(bytes, {
    failOn,
    limitInputPixels: limits.maxPixels,
    pages: 1,
    page: 0,
    autoOrient: true,
    ignoreIcc,
  })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
}

/**
 * What libjpeg, libpng, libwebp and libnsgif say when the data runs out before the pixels do.
 * libjpeg only warns ("premature end of data segment") and then fills the rest of a forged
 * 8192x4882 frame with grey: strict decoding sees the warning, and these words make it a refusal.
 */
const TRUNCATION = /premature end|truncat|unexpected end|end of (file|stream)|not enough (image )?data|incomplete/i;

export const isTruncation = (err: unknown): boolean => TRUNCATION.test(err instanceof Error ? err.message : String(err));

/**
 * Strict first: a decode that warns of missing data is refused. A warning of anything else
 * (trailing bytes after IEND/EOI, odd metadata) must not refuse a good image, so such a file is
 * decoded again failing on errors only; truncation and corrupt data are errors there too.
 */
async function decodeStrictly(bytes: Uint8Array, limits: ImageLimits, ignoreIcc: boolean) {
  try {
    return await toRgba(bytes, limits, ignoreIcc, 'warning');
  } catch (err) {
    if (isTruncation(err)) throw err;
    return toRgba(bytes, limits, ignoreIcc, 'error');
  }
}

const damaged = (probe: ProbeResult, cause: unknown) =>
  new AppError('INVALID_IMAGE', `The ${probe.format.toUpperCase()} data is damaged or incomplete and could not be decoded.`, { cause });

export async function decodeImage(bytes: Uint8Array, probe: ProbeResult, limits: ImageLimits): Promise<DecodedImage> {
  let out: Awaited<ReturnType<typeof toRgba>>;
  try {
    out = await decodeStrictly(bytes, limits, false);
  } catch (first) {
    if (isTruncation(first)) throw damaged(probe, first);
    // A broken embedded ICC profile is metadata, not pixels: decode once more without it.
    try {
      out = await decodeStrictly(bytes, limits, true);
    } catch {
      throw damaged(probe, first);
    }
  }
  const { data, info } = out;
  if (info.channels !== 4 || data.length !== info.width * info.height * 4) {
    throw new AppError('INVALID_IMAGE', 'The image decoded to an unexpected pixel layout.');
  }
  return asDecoded(data, info.width, info.height);
}

/** Wraps straight RGBA bytes as a DecodedImage, noting whether any pixel is not fully opaque. */
export function asDecoded(rgba: Buffer | Uint8Array, width: number, height: number): DecodedImage {
  const data = new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length);
  let hasTransparency = false;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 255) {
      hasTransparency = true;
      break;
    }
  }
  return { width, height, data, hasTransparency };
}
