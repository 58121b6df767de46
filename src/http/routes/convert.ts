/** POST /api/convert: one image in, one scored SVG out (or problem+json). */
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config/config.js';
import { AppError } from '../../errors/app-error.js';
import { limitsFromConfig } from '../../pipeline/limits.js';
import { parseExportOptions, parseOptions, type ExportOptions } from '../../pipeline/options.js';
import { admit } from '../../pipeline/stages.js';
import { callerGone } from '../caller-gone.js';
import type { ConversionResult } from '../../pipeline/convert.js';
import { refuseIfCallerGone, type Converter, type ConvertOutcome } from '../../queue/converter.js';
import { conversionKey } from '../../store/result-cache.js';
import { resultIdOf, type ResultStore } from '../../store/result-store.js';
import { negotiate, sendExport, setResultHeaders, type Answer } from '../export-response.js';
import { uploadMiddleware } from '../middleware/upload.js';

/** Options come from the query string and, for multipart, form fields; a key given twice is refused. */
export function mergeOptionSources(query: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...query };
  for (const [key, value] of Object.entries(fields)) {
    if (key in merged) throw new AppError('INVALID_OPTIONS', `Expected ${key} once but received it in both the query string and the form.`);
    merged[key] = value;
  }
  return merged;
}

export function setFactHeaders(res: Response, result: ConversionResult, cache: 'hit' | 'miss', durationMs: number): void {
  res.setHeader('X-SVG-AI-Tier', String(result.tier));
  res.setHeader('X-SVG-AI-Engine', result.engine);
  res.setHeader('X-SVG-AI-SSIM', result.ssim.toFixed(4));
  res.setHeader('X-SVG-AI-Duration-Ms', String(Math.round(durationMs)));
  res.setHeader('X-SVG-AI-Cache', cache);
}

/** The SVG itself, with the facts in headers. */
export function sendSvg(res: Response, result: ConversionResult, cache: 'hit' | 'miss', durationMs: number): void {
  setFactHeaders(res, result, cache, durationMs);
  // An SVG is a document a browser could render: forbid it from running or loading anything.
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.type('image/svg+xml').send(result.svg);
}

/** How a conversion is delivered: what to answer, in which size, under which result id and file name. */
export interface Delivery {
  answer: Answer;
  exportOptions: ExportOptions;
  resultId: string;
  name?: string | undefined;
}

export async function sendConversion(res: Response, outcome: ConvertOutcome, startedAt: number, delivery: Delivery): Promise<void> {
  const { result, cache } = outcome;
  res.setHeader('Vary', 'Accept');
  setResultHeaders(res, delivery.resultId);
  if (delivery.answer.kind === 'json') {
    const durationMs = Math.round(performance.now() - startedAt);
    setFactHeaders(res, result, cache, durationMs);
    res.json({ ...result, resultId: delivery.resultId, resultUrl: `/api/results/${delivery.resultId}`, cache, durationMs, traceMs: result.durationMs });
    return;
  }
  // The duration header includes the export: it is the time this answer took.
  const format = delivery.answer.format;
  res.setHeader('X-SVG-AI-Result-Url', `/api/results/${delivery.resultId}`);
  setFactHeaders(res, result, cache, performance.now() - startedAt);
  await sendExport(res, result, delivery.exportOptions, format, delivery.name);
}

/** `?async=1` (or `Prefer: respond-async`) asks for 202 and a job to poll instead of waiting. */
function wantsAsync(req: Request, raw: Record<string, unknown>): boolean {
  const value = raw.async;
  delete raw.async;
  if (value !== undefined && !['0', '1', 'true', 'false'].includes(String(value))) {
    throw new AppError('INVALID_OPTIONS', `Expected one of 0|1|true|false for async but received ${JSON.stringify(String(value)).slice(0, 40)}.`);
  }
  if (value === '1' || value === 'true') return true;
  return value === undefined && /\brespond-async\b/i.test(String(req.headers.prefer ?? ''));
}

export function convertRouter(config: Config, converter: Converter, results: ResultStore): Router {
  const router = Router();
  const limits = limitsFromConfig(config);

  router.post('/api/convert', uploadMiddleware(config.MAX_UPLOAD_BYTES), async (req, res) => {
    const startedAt = performance.now();
    const gone = callerGone(req, res);
    const upload = req.upload!;
    const raw = mergeOptionSources(req.query as Record<string, unknown>, upload.fields);
    const async = wantsAsync(req, raw);
    const options = parseOptions(raw);
    const exportOptions = parseExportOptions(raw);
    // Refuse what the header already condemns (and an answer nobody accepts) before it takes a place in the queue.
    const answer = async ? undefined : negotiate(req, exportOptions.format);
    // A caller who left while the body was read is not worth a header read: after a burst of
    // hang-ups the next live request waits behind every such step on the event loop.
    if (!async) refuseIfCallerGone(gone);
    await admit(upload.bytes, options, limits);

    if (async) {
      const job = await converter.submit(upload.bytes, options);
      res.setHeader('Location', `/api/jobs/${job.id}`);
      res.status(202).json({ ...job, statusUrl: `/api/jobs/${job.id}`, svgUrl: `/api/jobs/${job.id}/svg` });
      return;
    }

    // The caller going away stops the work (unless another caller waits for the same result).
    const outcome = await converter.convert(upload.bytes, options, gone);
    const resultId = resultIdOf(conversionKey(upload.bytes, options));
    await results.save(resultId, outcome.result);
    await sendConversion(res, outcome, startedAt, { answer: answer!, exportOptions, resultId, name: upload.name });
  });

  return router;
}
