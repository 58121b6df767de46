/**
 * The embedded back end: an in-process queue over the worker-thread pool, a memory result cache,
 * in-flight de-duplication (the same image sent twenty times at once is traced once), and a
 * memory job table for asynchronous requests.
 */
import { LRUCache } from 'lru-cache';
import { AppError, isDeferral } from '../errors/app-error.js';
import { recordClientClosed, recordConversion, recordConversionFailure } from '../observability/metrics.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ConvertOptions } from '../pipeline/options.js';
import { CALLER_LEFT } from '../pipeline/cancellation.js';
import { conversionKey, type ResultCache } from '../store/result-cache.js';
import { refuseIfCallerGone, type Converter, type ConvertOutcome, type QueueCounts } from './converter.js';
import { factsOf, iso, type JobView } from './jobs.js';
import type { TracePool } from './thread-pool.js';

interface Run {
  promise: Promise<ConversionResult>;
  controller: AbortController;
  /** Callers still waiting; the trace is aborted when the last one leaves. Async jobs never leave. */
  waiting: number;
}

interface LocalJob {
  view: JobView;
  result?: ConversionResult;
}

export class LocalConverter implements Converter {
  readonly mode = 'embedded' as const;
  private readonly runs = new Map<string, Run>();
  private readonly jobs: LRUCache<string, LocalJob>;
  private failed = 0;

  constructor(
    private readonly pool: TracePool,
    private readonly cache: ResultCache,
    jobTtlSeconds: number,
  ) {
    this.jobs = new LRUCache({ max: 10_000, ttl: jobTtlSeconds * 1000 });
  }

  async convert(input: Uint8Array, options: ConvertOptions, signal?: AbortSignal): Promise<ConvertOutcome> {
    // Gone before it could be queued (while the body was read or checked): not even worth a hash.
    refuseIfCallerGone(signal);
    const key = conversionKey(input, options);
    const cached = await this.cache.get(key);
    if (cached) return { result: cached, cache: 'hit' };
    refuseIfCallerGone(signal);
    const run = this.start(key, input, options);
    run.waiting++;
    // The trace is aborted only when every caller waiting for it has gone away.
    const leave = () => {
      if (--run.waiting === 0) run.controller.abort(CALLER_LEFT);
    };
    signal?.addEventListener('abort', leave, { once: true });
    try {
      return { result: await run.promise, cache: 'miss' };
    } finally {
      if (!signal?.aborted) {
        signal?.removeEventListener('abort', leave);
        run.waiting--;
      }
    }
  }

  async submit(input: Uint8Array, options: ConvertOptions): Promise<JobView> {
    const key = conversionKey(input, options);
    const existing = this.jobs.get(key);
    if (existing && existing.view.state !== 'failed') return existing.view;
    const cached = await this.cache.get(key);
    if (cached) {
      const now = iso(Date.now())!;
      const job: LocalJob = {
        view: { id: key, state: 'completed', createdAt: now, startedAt: now, finishedAt: now, attempts: 0, result: factsOf(cached) },
        result: cached,
      };
      this.jobs.set(key, job);
      return job.view;
    }
    // An async job has no caller to wait for it: it runs to the end whatever happens to the request.
    this.start(key, input, options).waiting++;
    return this.jobs.get(key)!.view;
  }

  async job(id: string): Promise<JobView | undefined> {
    return this.jobs.get(id)?.view;
  }

  async jobResult(id: string): Promise<ConversionResult | undefined> {
    return this.jobs.get(id)?.result ?? (this.jobs.get(id)?.view.state === 'completed' ? await this.cache.get(id) : undefined);
  }

  private start(key: string, input: Uint8Array, options: ConvertOptions): Run {
    const existing = this.runs.get(key);
    if (existing) return existing;
    const job: LocalJob = { view: { id: key, state: 'waiting', createdAt: iso(Date.now())!, attempts: 0 } };
    this.jobs.set(key, job);
    const controller = new AbortController();
    const promise = this.trace(key, input, options, controller.signal, job);
    const run: Run = { promise, controller, waiting: 0 };
    this.runs.set(key, run);
    const settled = () => this.runs.delete(key);
    promise.then(settled, settled);
    return run;
  }

  private async trace(key: string, input: Uint8Array, options: ConvertOptions, signal: AbortSignal, job: LocalJob): Promise<ConversionResult> {
    const view = job.view;
    try {
      const result = await this.pool.convert(input, options, {
        signal,
        onProgress: (progress) => {
          if (view.state === 'waiting') {
            view.state = 'active';
            view.startedAt = iso(Date.now());
            view.attempts++;
          }
          view.progress = progress;
        },
      });
      recordConversion(result);
      await this.cache.set(key, result);
      Object.assign(view, { state: 'completed', finishedAt: iso(Date.now()), result: factsOf(result) });
      job.result = result;
      return result;
    } catch (err) {
      // A trace that never started (queue full or wait over: 429/503) or that every caller left
      // is not a failed conversion; the request metrics show those.
      if (signal.aborted) recordClientClosed();
      else if (!isDeferral(err)) {
        if (!(err instanceof AppError) || err.status >= 500) this.failed++;
        recordConversionFailure();
      }
      const error = err instanceof AppError ? err.toJSON() : { code: 'INTERNAL' as const, detail: 'The conversion failed unexpectedly.' };
      Object.assign(view, { state: 'failed', finishedAt: iso(Date.now()), error });
      throw err;
    }
  }

  /** Ready once every trace thread is warm, so the first request is as fast as the next ones. */
  async isReady(): Promise<boolean> {
    return this.pool.ready;
  }

  async counts(): Promise<QueueCounts> {
    const s = this.pool.stats();
    return { waiting: s.waiting, active: s.active, delayed: 0, failed: this.failed };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
