/** Asynchronous conversions: GET /api/jobs/:id (status, progress, timings, facts or error) and /svg. */
import { Router } from 'express';
import { AppError } from '../../errors/app-error.js';
import type { Converter } from '../../queue/converter.js';
import { sendSvg } from './convert.js';

export function jobsRouter(converter: Converter): Router {
  const router = Router();

  router.get('/api/jobs/:id', async (req, res) => {
    const job = await converter.job(req.params.id);
    if (!job) throw new AppError('JOB_NOT_FOUND', 'No such job: it never existed or has expired.');
    res.json({ ...job, svgUrl: job.state === 'completed' ? `/api/jobs/${job.id}/svg` : undefined });
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
    sendSvg(res, result, 'hit', result.durationMs);
  });

  return router;
}
