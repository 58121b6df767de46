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

/** A file name without directories or characters that break a header; `result` when nothing is left. */
export function downloadName(original: string | undefined, format: ExportFormat): string {
  const base = (original ?? '').split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_').slice(0, 100);
  return `${base || 'result'}.${FORMATS[format].extension}`;
}
