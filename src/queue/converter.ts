/** What the HTTP layer needs from the conversion back end, in both modes. */
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
