/** RFC 9457 problem+json answers, built only from the error catalog. */
import type { Response } from 'express';
import { AppError } from '../errors/app-error.js';
import { rejected } from '../observability/metrics.js';

export function sendProblem(res: Response, error: AppError, instance?: string): void {
  if (res.headersSent) return;
  // A client that hung up was not refused; it is counted as a client_closed conversion outcome.
  if (error.status < 500 && error.code !== 'CLIENT_CLOSED') rejected.inc({ code: error.code });
  // Nobody is left to read it: writing to a destroyed socket only builds an error to throw away.
  if (res.destroyed || res.req.socket?.destroyed) return;
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  if (error.code === 'UPLOAD_TOO_LARGE') {
    // The rest of an oversized body is not worth reading: answer, then close the connection instead
    // of letting Node drain (read and discard) a body of any length.
    res.setHeader('Connection', 'close');
    res.once('finish', () => res.req.socket?.destroy());
  }
  res
    .status(error.status)
    .type('application/problem+json')
    .json({
      type: `https://svg-ai.dev/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
      title: error.title,
      status: error.status,
      detail: error.detail,
      code: error.code,
      ...(instance ? { instance } : {}),
    });
}
