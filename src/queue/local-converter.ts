/**
 * The embedded back end: an in-process queue over the worker-thread pool, a memory result cache,
 * and in-flight de-duplication so the same image sent twenty times at once is traced once.
 */
import { AppError } from '../errors/app-error.js';
import { cacheRequests, recordConversion, recordConversionFailure } from '../observability/metrics.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ConvertOptions } from '../pipeline/options.js';
import { conversionKey, type ResultCache } from '../store/result-cache.js';
import type { Converter, ConvertOutcome, QueueCounts } from './converter.js';
import type { TracePool } from './thread-pool.js';

interface InFlight {
  promise: Promise<ConversionResult>;
  controller: AbortController;
  callers: number;
}

export class LocalConverter implements Converter {
  readonly mode = 'embedded' as const;
  private readonly inFlight = new Map<string, InFlight>();
  private failed = 0;

  constructor(
    private readonly pool: TracePool,
    private readonly cache: ResultCache,
  ) {}

  async convert(input: Uint8Array, options: ConvertOptions, signal?: AbortSignal): Promise<ConvertOutcome> {
    const key = conversionKey(input, options);
    const cached = await this.cache.get(key);
    cacheRequests.inc({ result: cached ? 'hit' : 'miss' });
    if (cached) return { result: cached, cache: 'hit' };

    let entry = this.inFlight.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise = this.trace(key, input, options, controller.signal);
      entry = { promise, controller, callers: 0 };
      this.inFlight.set(key, entry);
      const settled = () => this.inFlight.delete(key);
      promise.then(settled, settled);
    }
    const shared = entry;
    shared.callers++;
    // The trace is aborted only when every caller waiting for it has gone away.
    const leave = () => {
      if (--shared.callers === 0) shared.controller.abort();
    };
    signal?.addEventListener('abort', leave, { once: true });
    try {
      return { result: await shared.promise, cache: 'miss' };
    } finally {
      if (!signal?.aborted) {
        signal?.removeEventListener('abort', leave);
        shared.callers--;
      }
    }
  }

  private async trace(key: string, input: Uint8Array, options: ConvertOptions, signal: AbortSignal): Promise<ConversionResult> {
    try {
      const result = await this.pool.convert(input, options, { signal });
      recordConversion(result);
      await this.cache.set(key, result);
      return result;
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) this.failed++;
      recordConversionFailure();
      throw err;
    }
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async counts(): Promise<QueueCounts> {
    const s = this.pool.stats();
    return { waiting: s.waiting, active: s.active, delayed: 0, failed: this.failed };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
