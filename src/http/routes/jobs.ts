/** Asynchronous conversions: GET /api/jobs/:id (status, progress, timings, facts or error) and /svg. */
import { Router } from 'express';
import { AppError } from '../../errors/app-error.js';
import type { Converter } from '../../queue/converter.js';
import { resultIdOf, type ResultStore } from '../../store/result-store.js';
import { setResultHeaders } from '../export-response.js';
import { sendSvg } from './convert.js';

/**
 * A finished job's result id (the job id is its conversion key), storing the result for
 * re-export the first time it is asked for.
 */
export async function storedResultId(converter: Converter, results: ResultStore, jobId: string): Promise<string | undefined> {
  const id = resultIdOf(jobId);
  if (await results.has(id)) return id;
  const result = await converter.jobResult(jobId);
  if (!result) return undefined;
  await results.save(id, result);
  return id;
}

export function jobsRouter(converter: Converter, results: ResultStore): Router {
  const router = Router();

  router.get('/api/jobs/:id', async (req, res) => {
    const job = await converter.job(req.params.id);
    if (!job) throw new AppError('JOB_NOT_FOUND', 'No such job: it never existed or has expired.');
    const resultId = job.state === 'completed' ? await storedResultId(converter, results, job.id) : undefined;
    if (resultId) setResultHeaders(res, resultId);
    res.json({
      ...job,
      svgUrl: job.state === 'completed' ? `/api/jobs/${job.id}/svg` : undefined,
      ...(resultId ? { resultId, resultUrl: `/api/results/${resultId}` } : {}),
    });
  });

  router.get('/api/jobs/:id/svg', async (req, res) => {
    const job = await converter.job(req.params.id);
    if (!job) throw new AppError('JOB_NOT_FOUND', 'No such job: it never existed or has expired.');
    if (job.state === 'failed' && job.error) throw AppError.fromJSON(job.error)!;
    if (job.state !== 'completed') {
      throw new AppError('JOB_NOT_FINISHED', `The job is ${job.state}; poll /api/jobs/${job.id} until it is completed.`, { retryAfterSeconds: 1 });
    }
    const result = await converter.jobResult(job.id);
    if (!result) throw new AppError('JOB_NOT_FOUND', 'The job finished but its result has expired; send the image again.');
    const resultId = resultIdOf(job.id);
    await results.save(resultId, result);
    setResultHeaders(res, resultId);
    sendSvg(res, result, 'hit', result.durationMs);
  });

  return router;
}
