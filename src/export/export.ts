/**
 * The export stage: after scoring, the vector result is written in the asked format and size.
 * Nothing here traces or decodes; a stored result is re-exported from its SVG alone. Writers that
 * would hold the event loop (PDF of a multi-MB SVG, PNG rendering of a large page) run on the
 * export thread pool instead.
 */
import type { ExportFormat, ExportOptions } from '../pipeline/options.js';
import { writeDxf } from './dxf.js';
import { writeEps } from './eps.js';
import { FORMATS, type FormatInfo } from './formats.js';
import { writePdf } from './pdf.js';
import { writePng } from './png.js';
import { outputSize, type OutputSize } from './size.js';
import { writeSvg } from './svg.js';
import { readSvg } from './svg-document.js';
import { writeSvgz } from './svgz.js';

export interface ExportSource {
  svg: string;
  /** The source image's size in px. */
  width: number;
  height: number;
}

export interface ExportedFile extends FormatInfo {
  format: ExportFormat;
  body: Buffer;
  size: OutputSize;
}

/** The viewBox of the root element (the drawing's own coordinates); the width and height when absent. */
export function viewBoxOf(svg: string): { x: number; y: number; width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const vb = /\sviewBox="([^"]*)"/.exec(root)?.[1]?.trim().split(/[\s,]+/).map(Number);
  if (vb && vb.length === 4 && vb.every(Number.isFinite) && vb[2]! > 0 && vb[3]! > 0) return { x: vb[0]!, y: vb[1]!, width: vb[2]!, height: vb[3]! };
  const attr = (name: string) => Number(new RegExp(`\\s${name}="([\\d.]+)`).exec(root)?.[1] ?? 0) || 1;
  return { x: 0, y: 0, width: attr('width'), height: attr('height') };
}

/** Writes one export in this thread. */
export async function exportInProcess(source: ExportSource, options: ExportOptions): Promise<ExportedFile> {
  const format = options.format ?? 'svg';
  const viewBox = viewBoxOf(source.svg);
  const size = outputSize(source.width, source.height, viewBox, options);
  let body: Buffer;
  switch (format) {
    case 'svg':
      body = Buffer.from(writeSvg(source.svg, size, viewBox, options));
      break;
    case 'svgz':
      body = writeSvgz(writeSvg(source.svg, size, viewBox, options));
      break;
    case 'pdf':
      body = await writePdf(source.svg, size);
      break;
    case 'eps':
      body = Buffer.from(writeEps(readSvg(source.svg), size));
      break;
    case 'dxf':
      body = Buffer.from(writeDxf(readSvg(source.svg), size));
      break;
    case 'png':
      body = writePng(source.svg, size, viewBox);
      break;
  }
  return { ...FORMATS[format], format, body, size };
}

/** SVG text above which PDF, EPS and DXF writing leaves the event loop (measured: ~15 ms per 100 KB for PDF). */
export const HEAVY_SVG_BYTES = 256 * 1024;
/** PNG pages above this many pixels are rendered off the event loop. */
export const HEAVY_PNG_PIXELS = 1_000_000;

export function isHeavy(source: ExportSource, options: ExportOptions): boolean {
  const format = options.format ?? 'svg';
  if (format === 'svg' || format === 'svgz') return false;
  if (source.svg.length > HEAVY_SVG_BYTES) return true;
  if (format !== 'png') return false;
  const size = outputSize(source.width, source.height, viewBoxOf(source.svg), options);
  return size.widthPx * size.heightPx > HEAVY_PNG_PIXELS;
}
