/** Per-client request limit on the conversion routes; keyed by the client address Express trusts. */
import { rateLimit, type Store } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors/app-error.js';
import { rateLimited } from '../../observability/metrics.js';
import { sendProblem } from '../problem.js';

export function rateLimitMiddleware(perMinute: number, store?: Store): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    handler: (_req, res, _next, options) => {
      rateLimited.inc();
      const retryAfter = Math.max(1, Math.ceil(options.windowMs / 1000));
      const reset = Number(res.getHeader('RateLimit-Reset'));
      sendProblem(
        res,
        new AppError('RATE_LIMITED', `More than ${perMinute} requests in a minute from this client; slow down and retry.`, {
          retryAfterSeconds: Number.isFinite(reset) && reset > 0 ? reset : retryAfter,
        }),
      );
    },
  });
}
