/** The Express application without listening: tests drive it directly, main.ts serves it. */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Store } from 'express-rate-limit';
import helmet from 'helmet';
import type { Config } from './config/config.js';
import { AppError, toAppError } from './errors/app-error.js';
import { ERRORS } from './errors/catalog.js';
import { methodNotAllowed } from './http/allowed-methods.js';
import { sendProblem } from './http/problem.js';
import { apiKeyMiddleware, parseApiKeys } from './http/middleware/api-keys.js';
import { idleCollection } from './http/middleware/idle-collect.js';
import { rateLimitMiddleware } from './http/middleware/rate-limit.js';
import { batchRouter } from './http/routes/batch.js';
import { jobsRouter } from './http/routes/jobs.js';
import { convertRouter } from './http/routes/convert.js';
import { healthRouter, type Lifecycle } from './http/routes/health.js';
import type { Logger } from './observability/logger.js';
import { httpDuration } from './observability/metrics.js';
import type { Converter } from './queue/converter.js';
import { resultsRouter } from './http/routes/results.js';
import { openApiRouter } from './openapi/router.js';
import { webRouter } from './web/router.js';
import { MemoryBatchStore, type BatchStore } from './store/batch-store.js';
import { MemoryResultStore, type ResultStore } from './store/result-store.js';

export interface AppDeps {
  config: Config;
  converter: Converter;
  logger: Logger;
  lifecycle?: Lifecycle;
  /** Where rate-limit counts live (Redis in production); memory when absent. */
  rateLimitStore?: Store | undefined;
  /** Where batches live (Redis in production); memory when absent. */
  batches?: BatchStore | undefined;
  /** Where results for re-export live (Redis in production); memory when absent. */
  results?: ResultStore | undefined;
}

export function buildApp({ config, converter, logger, lifecycle = { shuttingDown: false }, rateLimitStore, batches = new MemoryBatchStore(config.JOB_TTL_SECONDS), results = new MemoryResultStore(config.RESULT_MAX_BYTES, config.RESULT_TTL_SECONDS) }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind nginx the client address is the one the proxy saw; trust exactly the configured hops.
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  app.use(helmet());
  app.use(idleCollection());
  app.use((_req, res, next) => {
    // While stopping, every answer closes its connection, so no idle keep-alive socket holds the
    // shutdown for KEEP_ALIVE_TIMEOUT_MS.
    if (lifecycle.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });

  app.use((req, res, next) => {
    const started = performance.now();
    // A label from the route's pattern, never from the raw path (ids would make a series each).
    const routeOf = () => (req.route?.path ? String(req.route.path) : res.statusCode === 404 || res.statusCode === 405 ? 'unmatched' : req.path);
    res.on('finish', () => {
      httpDuration.observe({ method: req.method, route: routeOf(), status: String(res.statusCode) }, (performance.now() - started) / 1000);
    });
    // The access log: one line per request, answered or abandoned by the client.
    res.on('close', () => {
      const cache = res.getHeader('X-SVG-AI-Cache');
      logger.info(
        {
          method: req.method,
          route: routeOf(),
          path: req.path.slice(0, 200),
          // Nothing was answered to a client that left first: its status is CLIENT_CLOSED's, not
          // the 200 a response starts with.
          status: res.headersSent ? res.statusCode : ERRORS.CLIENT_CLOSED.status,
          ms: Math.round(performance.now() - started),
          bytes: Number(res.getHeader('Content-Length') ?? 0),
          ...(cache ? { cache: String(cache) } : {}),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });
    next();
  });

  app.use(healthRouter(converter, lifecycle));
  app.use(webRouter());
  app.use(openApiRouter());
  app.use(['/api/convert', '/api/batch'], (req, res, next) => {
    if (lifecycle.shuttingDown && req.method === 'POST') {
      return next(new AppError('SHUTTING_DOWN', 'The service is shutting down and takes no new work; retry on another instance.', { retryAfterSeconds: 5 }));
    }
    next();
  });
  app.use('/api', apiKeyMiddleware(parseApiKeys(config.API_KEYS)));
  const limiter = rateLimitMiddleware(config.RATE_LIMIT_PER_MINUTE, rateLimitStore, config.RATE_LIMIT_WINDOW_SECONDS);
  app.post(['/api/convert', '/api/batch'], limiter);
  app.use(convertRouter(config, converter, results));
  app.use(jobsRouter(converter, results));
  app.use(batchRouter(config, converter, batches, results));
  app.use(resultsRouter(results, config.RESULT_TTL_SECONDS));

  app.use(methodNotAllowed(app));
  app.use((req) => {
    throw new AppError('NOT_FOUND', `There is nothing at ${req.method} ${req.path.slice(0, 100)}.`);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = toAppError(err);
    // Only a real fault earns a stack trace; 503s are the service protecting itself (busy, stopping, Redis away).
    // A client that hung up is not a fault of the service: no stack, info level.
    if (error.code === 'CLIENT_CLOSED') logger.info({ path: req.path, code: error.code }, 'client closed the request');
    else if (error.status === 500) logger.error({ err: error.cause ?? err, path: req.path, code: error.code }, 'request failed');
    else if (error.status > 500) logger.warn({ path: req.path, code: error.code }, 'request deferred');
    else logger.debug({ path: req.path, code: error.code }, 'request refused');
    sendProblem(res, error);
  });

  return app;
}
