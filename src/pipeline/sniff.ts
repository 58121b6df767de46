/**
 * The real type of an upload, from its first bytes. The file name and the declared Content-Type are
 * never trusted: a PNG named .jpg is a PNG, and text named .png is text.
 */
import { AppError } from '../errors/app-error.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export const SUPPORTED_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp', 'gif'];

const ascii = (bytes: Uint8Array, start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString('latin1');
const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);

/** Formats we recognise only to refuse them by name; their decoders never see the bytes. */
function recogniseUnsupported(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'a TIFF image';
  if (ascii(bytes, 0, 4) === '8BPS') return 'a Photoshop document';
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (/^(avi[fs])$/.test(brand)) return 'an AVIF image';
    if (/^(hei[cxms]|hev[cx]|mif1|msf1)$/.test(brand)) return 'a HEIC/HEIF image';
    return 'an ISO media file';
  }
  if (ascii(bytes, 0, 5) === '%PDF-') return 'a PDF document';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) || startsWith(bytes, [0x00, 0x00, 0x02, 0x00])) return 'an ICO/CUR icon';
  if (ascii(bytes, 0, 2) === 'BM') return 'a BMP image';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'a JPEG XL image';
  const text = ascii(bytes, 0, 512).replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (/^<(\?xml|svg|!DOCTYPE svg)/i.test(text) || /<svg[\s>]/i.test(text)) return 'an SVG document (already vector)';
  return undefined;
}

export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) throw new AppError('EMPTY_UPLOAD', 'The upload is empty: send the image bytes.');
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  const known = recogniseUnsupported(bytes);
  throw new AppError(
    'UNSUPPORTED_TYPE',
    `The upload is ${known ?? 'not an image format SVG-AI reads'}; send a PNG, JPEG, WebP or GIF image.`,
  );
}
