/** What each output format is called on the wire: media type, file extension, and Accept negotiation. */
import type { ExportFormat } from '../pipeline/options.js';

export interface FormatInfo {
  contentType: string;
  extension: string;
  /** Set for formats sent gzip-encoded (svgz: an SVG a browser can still show). */
  contentEncoding?: 'gzip';
  /** Shown by a browser (inline) or saved (attachment). */
  disposition: 'inline' | 'attachment';
}

export const FORMATS: Record<ExportFormat, FormatInfo> = {
  svg: { contentType: 'image/svg+xml; charset=utf-8', extension: 'svg', disposition: 'inline' },
  svgz: { contentType: 'image/svg+xml', extension: 'svgz', contentEncoding: 'gzip', disposition: 'attachment' },
  pdf: { contentType: 'application/pdf', extension: 'pdf', disposition: 'inline' },
  eps: { contentType: 'application/postscript', extension: 'eps', disposition: 'attachment' },
  dxf: { contentType: 'image/vnd.dxf', extension: 'dxf', disposition: 'attachment' },
  png: { contentType: 'image/png', extension: 'png', disposition: 'inline' },
};

/** The media types an Accept header may name, in the order preferred when it allows several equally. */
export const ACCEPTABLE_TYPES: readonly { type: string; format: ExportFormat }[] = [
  { type: 'image/svg+xml', format: 'svg' },
  { type: 'application/pdf', format: 'pdf' },
  { type: 'application/postscript', format: 'eps' },
  { type: 'application/eps', format: 'eps' },
  { type: 'image/vnd.dxf', format: 'dxf' },
  { type: 'application/dxf', format: 'dxf' },
  { type: 'image/png', format: 'png' },
];

/**
 * The download's file name: the client's own name with the right extension when it is a plain
 * name (letters, digits, spaces, dots, dashes, at most 100 characters), else `result`. A name with
 * a path, control characters or odd bytes is never echoed back in any form.
 */
export function downloadName(original: string | undefined, format: ExportFormat): string {
  const plain = original !== undefined && original.length <= 100 && /^[\w .-]+$/.test(original) && !original.startsWith('.');
  const base = plain ? original.replace(/\.[^.]*$/, '').replace(/\s+/g, '_') : '';
  return `${base || 'result'}.${FORMATS[format].extension}`;
}
