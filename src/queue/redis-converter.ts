/**
 * The production back end: the API enqueues into BullMQ and waits for the job; `svg-ai worker`
 * processes on any machine trace it. Identical uploads with identical options share one job id,
 * so they are traced once. Results and input bytes live in Redis with a TTL.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { tierDeadlines } from '../config/config.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../observability/logger.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ConvertOptions } from '../pipeline/options.js';
import { clientClosed } from '../pipeline/cancellation.js';
import { contentHash, conversionKey } from '../store/result-cache.js';
import { RedisInputStore, RedisResultCache } from '../store/redis-stores.js';
import { errorFromFailure, JOB_NAME, QUEUE_NAME, type ConversionJobData, type ConversionJobResult } from './conversion-jobs.js';
import type { Converter, ConvertOutcome, QueueCounts } from './converter.js';
import { iso, JOB_ID, type JobState, type JobView } from './jobs.js';
import type { ProgressMessage } from './trace-task.js';
import { blockingClient, commandClient, firstConnection, queueClient, redisAlive, withDeadline } from './redis.js';

const notReady = () =>
  new AppError('NOT_READY', 'The conversion queue (Redis) is unreachable; retry shortly.', { retryAfterSeconds: 5 });

/** How long a request may wait on Redis before it is answered 503. */
const REDIS_DEADLINE_MS = 1000;

/** Runs Redis calls that must fail fast: an error or a slow answer becomes NOT_READY (503). */
async function orNotReady<T>(work: Promise<T>): Promise<T> {
  try {
    return await withDeadline(work, REDIS_DEADLINE_MS, notReady);
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('NOT_READY', 'The conversion queue (Redis) is unreachable; retry shortly.', { retryAfterSeconds: 5, cause });
  }
}

export class RedisConverter implements Converter {
  readonly mode = 'redis' as const;
  readonly redis: Redis;
  private readonly queue: Queue<ConversionJobData, ConversionJobResult>;
  private readonly events: QueueEvents;
  private readonly inputs: RedisInputStore;
  private readonly results: RedisResultCache;
  /** Admissions granted whose job is not yet in Redis (see enqueue). */
  private admitting = 0;

  constructor(
    private readonly config: Config,
    logger: Logger,
  ) {
    const url = config.REDIS_URL!;
    const prefix = config.REDIS_PREFIX;
    this.redis = commandClient(url, logger, 'svgai-api');
    this.queue = new Queue(QUEUE_NAME, { connection: queueClient(url, logger, 'svgai-api-queue'), prefix });
    this.queue.on('error', (err) => logger.debug({ err: err.message }, 'queue error'));
    this.events = new QueueEvents(QUEUE_NAME, { connection: blockingClient(url, logger, 'svgai-api-events'), prefix });
    this.events.on('error', (err) => logger.debug({ err: err.message }, 'queue events error'));
    // Each waiting caller adds one listener per job event and removes it when it settles; twenty
    // de-duplicated callers of one image are normal, not a leak worth a warning.
    this.events.setMaxListeners(0);
    this.inputs = new RedisInputStore(this.redis, prefix, config.JOB_TTL_SECONDS);
    this.results = new RedisResultCache(this.redis, prefix, config.CACHE_TTL_SECONDS);
  }

  async convert(input: Uint8Array, options: ConvertOptions, signal?: AbortSignal): Promise<ConvertOutcome> {
    if (this.redis.status !== 'ready') throw notReady();
    const id = conversionKey(input, options);
    const cached = await this.results.get(id);
    if (cached) return { result: cached, cache: 'hit' };
    const job = await this.enqueue(id, input, options);
    return { result: await this.waitFor(job.id!, options, signal), cache: 'miss' };
  }

  async submit(input: Uint8Array, options: ConvertOptions): Promise<JobView> {
    if (this.redis.status !== 'ready') throw notReady();
    const id = conversionKey(input, options);
    await this.enqueue(id, input, options);
    return (await this.job(id))!;
  }

  /** Admission control, then the bytes, then the job: nothing is stored for work that is refused. */
  private async enqueue(id: string, input: Uint8Array, options: ConvertOptions) {
    return orNotReady(
      (async () => {
        const existing = await this.queue.getJob(id);
        if (existing) {
          const state = await existing.getState();
          // A job that failed for a transient reason may be tried again; an input error stays failed.
          const retryable = state === 'failed' && errorFromFailure(existing.failedReason).code === 'INTERNAL';
          // A finished job outlives its result when CACHE_TTL_SECONDS is shorter than
          // JOB_TTL_SECONDS: waiting on it would answer a result that is no longer there, so the
          // image is traced again under the same id.
          const resultGone = state === 'completed' && !(await this.results.fetch(id));
          if (!retryable && !resultGone) return existing;
          await existing.remove();
        }
        const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        // Admissions this process granted whose job is not in Redis yet count too: concurrent
        // requests all read the count before any of them had added its job, and a flood of 40
        // went through a limit of 4. (Between API instances the check is still not atomic.)
        const pending = Object.values(counts).reduce((a, b) => a + b, 0) + this.admitting;
        if (pending >= this.config.QUEUE_MAX_PENDING) {
          throw new AppError('QUEUE_FULL', `${pending} conversions are already queued; retry after a short wait.`, { retryAfterSeconds: 5 });
        }
        this.admitting++;
        try {
          const hash = contentHash(input);
          await this.inputs.put(hash, input);
          return await this.queue.add(
            JOB_NAME,
            { inputHash: hash, options },
            {
              jobId: id,
              attempts: this.config.JOB_ATTEMPTS,
              backoff: { type: 'exponential', delay: 500 },
              removeOnComplete: { age: Math.min(this.config.JOB_TTL_SECONDS, this.config.CACHE_TTL_SECONDS) },
              removeOnFail: { age: this.config.JOB_TTL_SECONDS },
            },
          );
        } finally {
          this.admitting--;
        }
      })(),
    );
  }

  /**
   * Waits for the job up to the tier's deadline plus the queue wait (never past the HTTP request
   * timeout). A caller that times out gets 503 with the job's Location, so it can poll instead.
   */
  private async waitFor(id: string, options: ConvertOptions, signal?: AbortSignal): Promise<ConversionResult> {
    const deadlines = tierDeadlines(this.config);
    const tierDeadline = options.tier === 'auto' ? Math.max(...Object.values(deadlines)) : deadlines[options.tier];
    const ttl = Math.min(tierDeadline + this.config.QUEUE_WAIT_MS, this.config.REQUEST_TIMEOUT_MS - 1000);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AppError('QUEUE_TIMEOUT', `The conversion did not finish within ${Math.round(ttl / 1000)} s; poll /api/jobs/${id} for it.`, { retryAfterSeconds: 10 })),
        ttl,
      );
    });
    const aborted = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(clientClosed()), { once: true }));
    const finished = this.finished(id);
    try {
      await Promise.race([finished.settled, timeout, aborted]);
    } catch (err) {
      if (err instanceof AppError || signal?.aborted) throw err;
      // A failed job rejects with its failedReason as the message.
      throw AppError.fromJSON(errorFromFailure((err as Error).message))!;
    } finally {
      clearTimeout(timer);
      finished.stop();
    }
    const result = await orNotReady(this.results.fetch(id));
    if (!result) throw new AppError('INTERNAL', 'The conversion finished but its result has expired; send the image again.');
    return result;
  }

  /**
   * Settles when the job completes (resolves) or fails (rejects with its failedReason); NOT_READY
   * when Redis cannot say. Not BullMQ's Job.waitUntilFinished: its look at the job's state runs
   * inside an async Promise executor, so a Redis error there (Redis dying while a caller starts
   * waiting) was an unhandled rejection that killed the API process.
   */
  private finished(id: string): { settled: Promise<void>; stop(): void } {
    const completedEvent = `completed:${id}`;
    const failedEvent = `failed:${id}`;
    let onCompleted: () => void = () => undefined;
    let onFailed: (args: { failedReason: string }) => void = () => undefined;
    // Per-job event names (`completed:<id>`) are emitted by QueueEvents but not in its typed listener map.
    const events = this.events as unknown as NodeJS.EventEmitter;
    const settled = new Promise<void>((resolve, reject) => {
      onCompleted = () => resolve();
      onFailed = ({ failedReason }) => reject(new Error(failedReason));
      events.on(completedEvent, onCompleted);
      events.on(failedEvent, onFailed);
      // The job may have finished before we listened: look once, now that the events are read.
      orNotReady(
        (async () => {
          await this.events.waitUntilReady();
          const job = await this.queue.getJob(id);
          if (!job) throw notReady();
          const state = await job.getState();
          if (state === 'completed') resolve();
          else if (state === 'failed') reject(new Error((await this.queue.getJob(id))?.failedReason ?? job.failedReason));
        })(),
      ).catch(reject);
    });
    return {
      settled,
      stop: () => {
        events.off(completedEvent, onCompleted);
        events.off(failedEvent, onFailed);
      },
    };
  }

  async job(id: string): Promise<JobView | undefined> {
    if (!JOB_ID.test(id)) return undefined;
    let job = await orNotReady(this.queue.getJob(id));
    if (!job) return undefined;
    const raw = await orNotReady(job.getState());
    // The job may have finished between the read of its data and the read of its state: then the
    // data read first has no result (or failure) yet, so read it again. Seen under load as a
    // completed batch item without a result.
    if ((raw === 'completed' && job.returnvalue == null) || (raw === 'failed' && !job.failedReason)) {
      job = (await orNotReady(this.queue.getJob(id))) ?? job;
    }
    const state: JobState =
      raw === 'completed' ? 'completed' : raw === 'failed' ? 'failed' : raw === 'active' ? 'active' : 'waiting';
    const progress = typeof job.progress === 'object' && job.progress !== null ? (job.progress as ProgressMessage) : undefined;
    return {
      id,
      state,
      progress,
      createdAt: iso(job.timestamp)!,
      startedAt: iso(job.processedOn),
      finishedAt: state === 'completed' || state === 'failed' ? iso(job.finishedOn) : undefined,
      attempts: job.attemptsMade,
      result: state === 'completed' ? (job.returnvalue as ConversionJobResult) : undefined,
      error: state === 'failed' ? errorFromFailure(job.failedReason) : undefined,
    };
  }

  async jobResult(id: string): Promise<ConversionResult | undefined> {
    if (!JOB_ID.test(id)) return undefined;
    return orNotReady(this.results.fetch(id));
  }

  async isReady(): Promise<boolean> {
    return redisAlive(this.redis);
  }

  async counts(): Promise<QueueCounts> {
    const c = await orNotReady(this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'));
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }

  /** Resolves once Redis has answered for the first time, or after `ms`; start-up never fails on it. */
  async connected(ms: number): Promise<void> {
    await firstConnection(this.redis, ms);
  }
}
