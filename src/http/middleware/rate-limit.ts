/**
 * Per-client request limit on the conversion routes. The client is the API key when keys are in
 * use (each key may have its own limit), else the address Express trusts (TRUST_PROXY_HOPS).
 * In production the counts live in Redis; if Redis cannot answer, requests are let through
 * (fail open): the queue's admission control and nginx's limit_req still protect the service,
 * and a Redis outage must not turn into refusing every caller.
 */
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors/app-error.js';
import { rateLimited } from '../../observability/metrics.js';
import { sendProblem } from '../problem.js';

/** `perMinute` requests per client in each window (RATE_LIMIT_WINDOW_SECONDS, a minute by default). */
export function rateLimitMiddleware(perMinute: number, store?: Store, windowSeconds = 60): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: windowSeconds * 1000,
    limit: (req) => req.apiKey?.perMinute ?? perMinute,
    keyGenerator: (req) => (req.apiKey ? `key:${req.apiKey.id}` : ipKeyGenerator(req.ip ?? 'unknown')),
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    passOnStoreError: true,
    ...(store ? { store } : {}),
    handler: (req, res, _next, options) => {
      rateLimited.inc();
      const reset = Number(res.getHeader('RateLimit-Reset'));
      const limit = req.apiKey?.perMinute ?? perMinute;
      sendProblem(
        res,
        new AppError('RATE_LIMITED', `More than ${limit} requests in ${windowSeconds === 60 ? 'a minute' : `${windowSeconds} s`} from this client; slow down and retry.`, {
          retryAfterSeconds: Number.isFinite(reset) && reset > 0 ? reset : Math.ceil(options.windowMs / 1000),
        }),
      );
    },
  });
}
