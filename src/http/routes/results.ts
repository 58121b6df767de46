/**
 * GET /api/results/{id}: a stored result exported again (format, width, height, unit, dpi,
 * group_by) without tracing or decoding; 404 RESULT_NOT_FOUND once it has expired.
 */
import { Router } from 'express';
import { AppError } from '../../errors/app-error.js';
import { parseExportOptions } from '../../pipeline/options.js';
import { RESULT_ID, type ResultStore } from '../../store/result-store.js';
import { negotiate, sendExport, setResultHeaders } from '../export-response.js';
import { setFactHeaders } from './convert.js';

export function resultsRouter(results: ResultStore, ttlSeconds: number): Router {
  const router = Router();

  router.get('/api/results/:id', async (req, res) => {
    const started = performance.now();
    const options = parseExportOptions(req.query as Record<string, unknown>, { only: true });
    const answer = negotiate(req, options.format);
    const id = req.params.id;
    const result = RESULT_ID.test(id) ? await results.get(id) : undefined;
    if (!result) {
      throw new AppError(
        'RESULT_NOT_FOUND',
        `No stored result ${id.slice(0, 40)}: results are kept ${ttlSeconds} s after their conversion; send the image again to get a new one.`,
      );
    }
    res.setHeader('Vary', 'Accept');
    setResultHeaders(res, id);
    setFactHeaders(res, result, 'hit', performance.now() - started);
    if (answer.kind === 'json') {
      res.json({ ...result, resultId: id, cache: 'hit', traceMs: result.durationMs });
      return;
    }
    await sendExport(res, result, options, answer.format);
  });

  return router;
}
