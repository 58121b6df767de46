/** Liveness, readiness and the Prometheus endpoint. */
import { Router } from 'express';
import { AppError } from '../../errors/app-error.js';
import { queueJobs, registry } from '../../observability/metrics.js';
import type { Converter } from '../../queue/converter.js';

export interface Lifecycle {
  /** Set when SIGTERM arrives: readiness fails first so load balancers stop sending work. */
  shuttingDown: boolean;
}

export function healthRouter(converter: Converter, lifecycle: Lifecycle): Router {
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    if (lifecycle.shuttingDown) throw new AppError('SHUTTING_DOWN', 'The service is shutting down and takes no new work.', { retryAfterSeconds: 5 });
    if (!(await converter.isReady())) {
      throw new AppError('NOT_READY', 'The service cannot take work right now (its trace threads are still warming up, or its queue back end is unreachable).', { retryAfterSeconds: 5 });
    }
    res.json({ status: 'ready', mode: converter.mode });
  });

  router.get('/metrics', async (_req, res) => {
    try {
      const counts = await converter.counts();
      for (const [state, value] of Object.entries(counts)) queueJobs.set({ state }, value);
    } catch {
      // Queue counts need the back end; the rest of the metrics are still worth scraping.
    }
    res.type(registry.contentType).send(await registry.metrics());
  });

  return router;
}
