/** What the HTTP layer needs from the conversion back end, in both modes. */
import type { ConversionResult } from '../pipeline/convert.js';
import type { ConvertOptions } from '../pipeline/options.js';

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
  /** Can take work now (pool alive, Redis reachable in production mode). */
  isReady(): Promise<boolean>;
  counts(): Promise<QueueCounts>;
  close(): Promise<void>;
}
