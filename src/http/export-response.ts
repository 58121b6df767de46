/**
 * Answering with an export: the format from the `format` option or the Accept header (406 when
 * Accept names nothing we write), the right Content-Type and a Content-Disposition file name,
 * the result id and the facts in headers.
 */
import type { Request, Response } from 'express';
import { AppError } from '../errors/app-error.js';
import { exportResult } from '../export/export-pool.js';
import { ACCEPTABLE_TYPES, downloadName } from '../export/formats.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ExportFormat, ExportOptions } from '../pipeline/options.js';

export type Answer = { kind: 'json' } | { kind: 'file'; format: ExportFormat };

/**
 * What to answer: an explicit `format` wins (JSON only carries SVG, so Accept: application/json
 * with format=svg is JSON and any other format is the file itself); else the Accept header.
 */
export function negotiate(req: Request, format: ExportFormat | undefined): Answer {
  const types = [...ACCEPTABLE_TYPES.map((t) => t.type), 'application/json'];
  const best = req.headers.accept ? req.accepts(types) : 'image/svg+xml';
  if (format !== undefined) return format === 'svg' && best === 'application/json' && wantsJsonHeader(req) ? { kind: 'json' } : { kind: 'file', format };
  if (best === false) {
    throw new AppError(
      'NOT_ACCEPTABLE',
      `Accept names no format this service writes; accept one of ${[...new Set(types)].join(', ')} or send the format option (svg, svgz, pdf, eps, dxf, png).`,
    );
  }
  if (best === 'application/json') return wantsJsonHeader(req) ? { kind: 'json' } : { kind: 'file', format: 'svg' };
  return { kind: 'file', format: ACCEPTABLE_TYPES.find((t) => t.type === best)!.format };
}

/** JSON only when the header names it (a bare `*` never chooses JSON). */
const wantsJsonHeader = (req: Request) => !!req.headers.accept?.includes('json');

export function setResultHeaders(res: Response, resultId: string): void {
  res.setHeader('X-SVG-AI-Result-Id', resultId);
}

/** Writes the result in `format` and sends it (the facts headers are the caller's). */
export async function sendExport(res: Response, result: ConversionResult, options: ExportOptions, format: ExportFormat, name?: string): Promise<void> {
  const file = await exportResult({ svg: result.svg, width: result.width, height: result.height }, { ...options, format });
  res.setHeader('Content-Disposition', `${file.disposition}; filename="${downloadName(name, format)}"`);
  if (file.contentEncoding) res.setHeader('Content-Encoding', file.contentEncoding);
  // An SVG (and a PDF) is a document a browser could render: forbid it from running or loading anything.
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.type(file.contentType).send(file.body);
}
