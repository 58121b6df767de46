/**
 * A GIF frame cannot hold more pixels than its LZW data can describe: each code is at least
 * `minCodeSize + 1` bits and stands for at most 4096 pixels (the longest dictionary string). A
 * 36-byte GIF whose frame descriptor claims 8192x4882 therefore cannot be complete, yet libnsgif
 * decodes it without a warning into 160 MB of blank pixels. This check reads the block structure
 * only, so it refuses such a file before a single pixel is decoded.
 */
import { AppError } from '../errors/app-error.js';

const MAX_PIXELS_PER_CODE = 4096;

interface FirstFrame {
  width: number;
  height: number;
  /** Bytes of LZW data in the frame's sub-blocks. */
  dataBytes: number;
  minCodeSize: number;
}

/** Skips a run of sub-blocks starting at `at`; returns the offset after the terminator and the data length. */
function subBlocks(bytes: Uint8Array, at: number): { end: number; length: number } {
  let length = 0;
  while (at < bytes.length && bytes[at] !== 0) {
    length += bytes[at]!;
    at += bytes[at]! + 1;
  }
  return { end: at + 1, length };
}

function firstFrame(bytes: Uint8Array): FirstFrame | undefined {
  if (bytes.length < 13) return undefined;
  const flags = bytes[10]!;
  let at = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  while (at < bytes.length) {
    const introducer = bytes[at]!;
    if (introducer === 0x21) {
      at = subBlocks(bytes, at + 2).end;
    } else if (introducer === 0x2c) {
      if (at + 10 > bytes.length) return undefined;
      const width = bytes[at + 5]! | (bytes[at + 6]! << 8);
      const height = bytes[at + 7]! | (bytes[at + 8]! << 8);
      const local = bytes[at + 9]!;
      at += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
      const minCodeSize = bytes[at] ?? 2;
      return { width, height, minCodeSize, dataBytes: subBlocks(bytes, at + 1).length };
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Throws INVALID_IMAGE when the first frame's data is too short for the pixels its descriptor declares. */
export function assertGifDataSuffices(bytes: Uint8Array): void {
  const frame = firstFrame(bytes);
  if (!frame) return; // no frame found: the decoder gives its own, precise refusal
  const bitsPerCode = Math.min(12, Math.max(3, frame.minCodeSize + 1));
  const mostPixels = Math.floor((frame.dataBytes * 8) / bitsPerCode) * MAX_PIXELS_PER_CODE;
  if (frame.width * frame.height > mostPixels) {
    throw new AppError(
      'INVALID_IMAGE',
      `The GIF's first frame declares ${frame.width}x${frame.height} pixels but holds data for far fewer; the file is truncated or damaged.`,
    );
  }
}
