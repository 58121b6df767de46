/**
 * Optional API keys (API_KEYS). Only SHA-256 digests are kept in memory, and a presented key is
 * compared with every digest in constant time, so neither the keys nor their lengths leak.
 * Keys are read from `Authorization: Bearer <key>` or `X-API-Key`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors/app-error.js';

export interface ApiKey {
  id: string;
  digest: Buffer;
  /** Per-key request limit per minute; the service default when absent. */
  perMinute?: number | undefined;
}

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: ApiKey;
  }
}

const digest = (secret: string) => createHash('sha256').update(secret).digest();

export function parseApiKeys(spec: string | undefined): ApiKey[] {
  if (!spec) return [];
  return spec.split(',').map((entry) => {
    const [id, secret, perMinute] = entry.split(':') as [string, string, string | undefined];
    return { id, digest: digest(secret), perMinute: perMinute === undefined ? undefined : Number(perMinute) };
  });
}

function presented(header: string | undefined, apiKeyHeader: string | string[] | undefined): string | undefined {
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? (typeof apiKeyHeader === 'string' ? apiKeyHeader : undefined);
}

export function apiKeyMiddleware(keys: readonly ApiKey[]): RequestHandler {
  return (req, _res, next) => {
    if (keys.length === 0) return next();
    const secret = presented(req.headers.authorization, req.headers['x-api-key']);
    if (!secret) return next(new AppError('UNAUTHORIZED', 'This service needs an API key: send it as "Authorization: Bearer <key>" or "X-API-Key".'));
    const candidate = digest(secret);
    let match: ApiKey | undefined;
    // Compare against every key, without stopping early, so timing does not tell which one matched.
    for (const key of keys) if (timingSafeEqual(candidate, key.digest) && !match) match = key;
    if (!match) return next(new AppError('FORBIDDEN', 'The API key was not accepted.'));
    req.apiKey = match;
    next();
  };
}
