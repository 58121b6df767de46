/**
 * Batches: POST /api/batch (multipart field `images`, many files, the same options as
 * /api/convert) answers 202 with one job per image; GET /api/batch/:id reports each item;
 * results come per item or as one zip with report.json and report.csv.
 */
import { randomUUID } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { strToU8, zipSync } from 'fflate';
import multer from 'multer';
import { safeRelativeName, summarize, toCsv, type ReportRow } from '../../batch/report.js';
import type { Config } from '../../config/config.js';
import { AppError, toAppError } from '../../errors/app-error.js';
import { limitsFromConfig } from '../../pipeline/limits.js';
import { parseOptions } from '../../pipeline/options.js';
import { admit } from '../../pipeline/stages.js';
import type { Converter } from '../../queue/converter.js';
import type { BatchItem, BatchRecord, BatchStore } from '../../store/batch-store.js';
import { resultIdOf, type ResultStore } from '../../store/result-store.js';
import { setResultHeaders } from '../export-response.js';
import { storedResultId } from './jobs.js';
import { MAX_FIELDS, MULTIPART_OVERHEAD, multerError } from '../middleware/upload.js';
import { sendProblem } from '../problem.js';
import { mergeOptionSources, sendSvg } from './convert.js';

const BATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function batchTooLarge(config: Config, detail?: string): AppError {
  return new AppError(
    'BATCH_TOO_LARGE',
    detail ?? `A batch may hold at most ${config.BATCH_MAX_FILES} files and ${(config.BATCH_MAX_BYTES / 1024 / 1024).toFixed(0)} MB in all.`,
  );
}

/** Reads the files, enforcing per-file, per-batch and total-bytes limits while they stream in. */
function batchUpload(config: Config) {
  const form = multer({
    storage: multer.memoryStorage(),
    // Keep "folder/file.png" as sent: batches mirror the client's folder structure.
    preservePath: true,
    limits: {
      fileSize: config.MAX_UPLOAD_BYTES,
      files: config.BATCH_MAX_FILES,
      fields: MAX_FIELDS,
      parts: MAX_FIELDS + config.BATCH_MAX_FILES,
      fieldNameSize: 64,
      fieldSize: 1024,
    },
  }).array('images', config.BATCH_MAX_FILES);

  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > config.BATCH_MAX_BYTES + MULTIPART_OVERHEAD) return next(batchTooLarge(config));
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) {
      return next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send a batch as multipart/form-data with the files in fields named "images".'));
    }
    // Chunked bodies have no Content-Length: count as they stream and stop at the limit.
    let received = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (!refused && received > config.BATCH_MAX_BYTES + MULTIPART_OVERHEAD) {
        refused = true;
        req.unpipe();
        sendProblem(res, batchTooLarge(config));
      }
    });
    form(req, res, (err?: unknown) => {
      if (refused) return;
      if (err) {
        const code = (err as { code?: string }).code;
        if (code === 'LIMIT_FILE_COUNT' || (code === 'LIMIT_UNEXPECTED_FILE' && (err as { field?: string }).field === 'images')) {
          return next(batchTooLarge(config, `A batch may hold at most ${config.BATCH_MAX_FILES} files; send the rest in another batch.`));
        }
        if (code === 'LIMIT_UNEXPECTED_FILE') {
          const field = String((err as { field?: string }).field ?? '').replace(/[^\w.-]/g, '').slice(0, 40);
          return next(new AppError('INVALID_MULTIPART', `Send a batch's files in form fields named "images"; this form has a file in "${field}".`));
        }
        return next(multerError(err, config.MAX_UPLOAD_BYTES));
      }
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      if (files.length === 0) return next(new AppError('MISSING_IMAGE', 'The form has no files in fields named "images".'));
      next();
    });
  };
}

function itemRow(item: BatchItem, job: Awaited<ReturnType<Converter['job']>>): ReportRow {
  if (item.error) return { file: item.name, status: 'failed', error: item.error.code };
  if (!job) return { file: item.name, status: 'failed', error: 'JOB_NOT_FOUND' };
  if (job.state === 'failed') return { file: item.name, status: 'failed', error: job.error?.code };
  if (job.state !== 'completed') return { file: item.name, status: job.state };
  const r = job.result;
  if (!r) return { file: item.name, status: 'failed', error: 'JOB_NOT_FOUND' };
  return { file: item.name, status: 'converted', tier: r.tier, engine: r.engine, ssim: r.ssim, ms: r.durationMs, bytes: r.bytes };
}

export function batchRouter(config: Config, converter: Converter, batches: BatchStore, results: ResultStore): Router {
  const router = Router();
  const limits = limitsFromConfig(config);

  const load = async (id: string): Promise<BatchRecord> => {
    const batch = BATCH_ID.test(id) ? await batches.get(id) : undefined;
    if (!batch) throw new AppError('BATCH_NOT_FOUND', 'No such batch: it never existed or has expired.');
    return batch;
  };

  const rowsOf = async (batch: BatchRecord) =>
    Promise.all(batch.items.map(async (item) => ({ item, job: item.jobId ? await converter.job(item.jobId) : undefined })));

  router.post('/api/batch', batchUpload(config), async (req, res) => {
    const files = req.files as Express.Multer.File[];
    const total = files.reduce((n, f) => n + f.size, 0);
    if (total > config.BATCH_MAX_BYTES) throw batchTooLarge(config);
    const options = parseOptions(mergeOptionSources(req.query as Record<string, unknown>, { ...(req.body as Record<string, unknown>) }));

    // Bad files are reported in the batch; they take no place in the queue.
    const items: BatchItem[] = await Promise.all(
      files.map(async (file, index) => {
        const item: BatchItem = { index, name: safeRelativeName(file.originalname, `image-${index + 1}`), bytes: file.size };
        try {
          await admit(file.buffer, options, limits);
        } catch (err) {
          item.error = toAppError(err).toJSON();
        }
        return item;
      }),
    );
    const accepted = items.filter((i) => !i.error);
    const counts = await converter.counts();
    if (counts.waiting + counts.active + accepted.length > config.QUEUE_MAX_PENDING) {
      throw new AppError('QUEUE_FULL', `The queue has no room for ${accepted.length} more conversions now; retry later or send a smaller batch.`, {
        retryAfterSeconds: 30,
      });
    }
    for (const item of accepted) {
      try {
        item.jobId = (await converter.submit(files[item.index]!.buffer, options)).id;
      } catch (err) {
        item.error = toAppError(err).toJSON();
      }
    }
    const now = Date.now();
    const batch: BatchRecord = {
      id: randomUUID(),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + config.JOB_TTL_SECONDS * 1000).toISOString(),
      options,
      items,
    };
    await batches.save(batch);
    res.setHeader('Location', `/api/batch/${batch.id}`);
    res.status(202).json({
      id: batch.id,
      statusUrl: `/api/batch/${batch.id}`,
      archiveUrl: `/api/batch/${batch.id}/archive`,
      expiresAt: batch.expiresAt,
      total: items.length,
      accepted: items.filter((i) => i.jobId).length,
      refused: items.filter((i) => i.error).map((i) => ({ index: i.index, name: i.name, code: i.error!.code, detail: i.error!.detail })),
    });
  });

  router.get('/api/batch/:id', async (req, res) => {
    const batch = await load(req.params.id);
    const rows = await Promise.all(
      (await rowsOf(batch)).map(async ({ item, job }) => {
        const resultId = job?.state === 'completed' ? await storedResultId(converter, results, job.id) : undefined;
        return {
          index: item.index,
          ...itemRow(item, job),
          ...(job?.state === 'completed' ? { svgUrl: `/api/batch/${batch.id}/items/${item.index}/svg` } : {}),
          ...(resultId ? { resultId, resultUrl: `/api/results/${resultId}` } : {}),
          ...(job?.state === 'failed' || item.error ? { detail: (item.error ?? job?.error)?.detail } : {}),
        };
      }),
    );
    const summary = summarize(rows);
    res.json({ id: batch.id, createdAt: batch.createdAt, expiresAt: batch.expiresAt, done: summary.pending === 0, ...summary, items: rows });
  });

  router.get('/api/batch/:id/items/:index/svg', async (req, res) => {
    const batch = await load(req.params.id);
    const item = batch.items[Number(req.params.index)];
    if (!item || !/^\d+$/.test(req.params.index)) throw new AppError('NOT_FOUND', `The batch has no item ${req.params.index.slice(0, 20)}.`);
    if (item.error) throw AppError.fromJSON(item.error)!;
    const job = await converter.job(item.jobId!);
    if (job?.state === 'failed' && job.error) throw AppError.fromJSON(job.error)!;
    if (job?.state !== 'completed') throw new AppError('JOB_NOT_FINISHED', `Item ${item.index} is ${job?.state ?? 'gone'}; poll the batch until it is done.`, { retryAfterSeconds: 1 });
    const result = await converter.jobResult(item.jobId!);
    if (!result) throw new AppError('JOB_NOT_FOUND', 'The result has expired; send the image again.');
    const resultId = resultIdOf(item.jobId!);
    await results.save(resultId, result);
    setResultHeaders(res, resultId);
    sendSvg(res, result, 'hit', result.durationMs);
  });

  /**
   * An archive holds every SVG or none: an unfinished batch answers 409, or with `?wait=1` is waited
   * for as long as a synchronous conversion may take (the longest deadline plus the queue wait).
   */
  const finishedRows = async (batch: BatchRecord, req: Request) => {
    const wait = req.query.wait;
    if (wait !== undefined && !['0', '1', 'true', 'false'].includes(String(wait))) {
      throw new AppError('INVALID_OPTIONS', `Expected one of 0|1|true|false for wait but received ${JSON.stringify(String(wait)).slice(0, 40)}.`);
    }
    const until = Date.now() + (wait === '1' || wait === 'true' ? Math.max(config.DEADLINE_TIER1_MS, config.DEADLINE_TIER2_MS, config.DEADLINE_TIER3_MS) + config.QUEUE_WAIT_MS : 0);
    for (;;) {
      const rows = await rowsOf(batch);
      const pending = rows.filter(({ item, job }) => {
        const status = itemRow(item, job).status;
        return status === 'waiting' || status === 'active';
      }).length;
      if (pending === 0) return rows;
      if (Date.now() >= until || req.socket.destroyed) {
        throw new AppError(
          'JOB_NOT_FINISHED',
          `The batch is not finished: ${pending} of ${rows.length} items are still waiting or active; poll /api/batch/${batch.id} until done is true, or ask for the archive with ?wait=1.`,
          { retryAfterSeconds: 1 },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  router.get('/api/batch/:id/archive', async (req, res) => {
    const batch = await load(req.params.id);
    const files: Record<string, Uint8Array> = {};
    const rows: ReportRow[] = [];
    const used = new Set<string>();
    for (const { item, job } of await finishedRows(batch, req)) {
      const row = itemRow(item, job);
      if (row.status === 'converted') {
        const result = await converter.jobResult(item.jobId!);
        if (result) {
          let name = item.name.replace(/\.[^./]*$/, '') + '.svg';
          // Two uploads may share a name; keep both.
          if (used.has(name)) name = name.replace(/\.svg$/, `-${item.index + 1}.svg`);
          used.add(name);
          files[`svg/${name}`] = strToU8(result.svg);
        } else {
          Object.assign(row, { status: 'failed', error: 'JOB_NOT_FOUND' });
        }
      }
      rows.push(row);
    }
    files['report.json'] = strToU8(JSON.stringify({ id: batch.id, summary: summarize(rows), items: rows }, null, 2));
    files['report.csv'] = strToU8(toCsv(rows));
    res.setHeader('Content-Disposition', `attachment; filename="batch-${batch.id}.zip"`);
    res.type('application/zip').send(Buffer.from(zipSync(files, { level: 6 })));
  });

  return router;
}
