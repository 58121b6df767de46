/** What the HTTP layer needs from the conversion back end, in both modes. */
import { AppError } from '../errors/app-error.js';
import { recordClientClosed } from '../observability/metrics.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ConvertOptions } from '../pipeline/options.js';
import type { JobView } from './jobs.js';

export interface ConvertOutcome {
  result: ConversionResult;
  cache: 'hit' | 'miss';
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface Converter {
  readonly mode: 'embedded' | 'redis';
  convert(input: Uint8Array, options: ConvertOptions, signal?: AbortSignal): Promise<ConvertOutcome>;
  /** Queues a conversion without waiting for it; the id is the conversion key (same input, same id). */
  submit(input: Uint8Array, options: ConvertOptions): Promise<JobView>;
  /** A job's status, or undefined when unknown or expired. */
  job(id: string): Promise<JobView | undefined>;
  /** A finished job's result with its SVG, or undefined when unknown, unfinished or expired. */
  jobResult(id: string): Promise<ConversionResult | undefined>;
  /** Can take work now (pool alive, Redis reachable in production mode). */
  isReady(): Promise<boolean>;
  counts(): Promise<QueueCounts>;
  close(): Promise<void>;
}

/**
 * A caller who left before its conversion was queued: counted as the client_closed outcome and
 * refused before any more work (header read, hash, cache lookup) is spent on it.
 */
export function refuseIfCallerGone(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  recordClientClosed();
  throw new AppError('CLIENT_CLOSED', 'The client closed the request before the conversion started.');
}
