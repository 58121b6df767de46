/**
 * The worker-thread pool every conversion runs on. It owns the hard limits of a single trace:
 * time in the queue, the tier's deadline (the thread is terminated, not asked nicely), heap size,
 * and retries when a thread dies for reasons that are not the image's fault.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { tierDeadlines, type Config } from '../config/config.js';
import { AppError } from '../errors/app-error.js';
import type { ConversionResult } from '../pipeline/convert.js';
import { limitsFromConfig } from '../pipeline/limits.js';
import type { ConvertOptions } from '../pipeline/options.js';
import type { ProgressMessage, TraceReply, TraceTask } from './trace-task.js';

/** Source checkouts (tests, tsx) run the TypeScript worker through tsx; builds run the compiled one. */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const DEFAULT_WORKER = new URL(RUNNING_FROM_SOURCE ? './trace-worker.ts' : './trace-worker.js', import.meta.url);

export interface PoolRunOptions {
  /** Aborts the conversion (e.g. the client went away); a running trace is terminated. */
  signal?: AbortSignal | undefined;
  onProgress?: ((message: ProgressMessage) => void) | undefined;
}

export interface PoolStats {
  threads: number;
  active: number;
  waiting: number;
  completed: number;
}

type AbortReason = 'queue-wait' | 'deadline' | 'caller';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TracePool {
  private readonly piscina: Piscina<TraceTask, TraceReply>;
  private active = 0;

  constructor(
    private readonly config: Config,
    workerFile: URL = DEFAULT_WORKER,
  ) {
    this.piscina = new Piscina({
      filename: workerFile.href,
      minThreads: 1,
      maxThreads: config.WORKER_THREADS,
      maxQueue: config.QUEUE_MAX_PENDING,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: config.THREAD_MAX_HEAP_MB },
      execArgv: workerFile.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
    });
  }

  stats(): PoolStats {
    return {
      threads: this.piscina.threads.length,
      // `active` counts from submission; the ones still queued inside the pool are waiting, not running.
      active: Math.max(0, this.active - this.piscina.queueSize),
      waiting: this.piscina.queueSize,
      completed: this.piscina.completed,
    };
  }

  /** True when a new task would be refused straight away. */
  get full(): boolean {
    return this.piscina.queueSize >= this.config.QUEUE_MAX_PENDING;
  }

  async convert(input: Uint8Array, options: ConvertOptions, run: PoolRunOptions = {}): Promise<ConversionResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(input, options, run);
      } catch (err) {
        if (err instanceof AppError || run.signal?.aborted || attempt >= this.config.TRACE_ATTEMPTS) {
          throw err instanceof AppError ? err : this.unexpected(err);
        }
        // The thread died for a reason that is not the input's (crash, exit): back off, try a fresh one.
        await sleep(100 * 2 ** (attempt - 1));
      }
    }
  }

  private unexpected(err: unknown): AppError {
    return new AppError('INTERNAL', 'The conversion failed unexpectedly. Try again; if it persists, report it.', {
      cause: err,
    });
  }

  private async runOnce(input: Uint8Array, options: ConvertOptions, run: PoolRunOptions): Promise<ConversionResult> {
    if (this.full) {
      throw new AppError('QUEUE_FULL', 'The conversion queue is full; retry after a short wait.', { retryAfterSeconds: 5 });
    }
    const deadlines = tierDeadlines(this.config);
    const controller = new AbortController();
    let reason: AbortReason | undefined;
    const abort = (why: AbortReason) => {
      reason ??= why;
      controller.abort(why);
    };
    let timer = setTimeout(() => abort('queue-wait'), this.config.QUEUE_WAIT_MS);
    const onCallerAbort = () => abort('caller');
    run.signal?.addEventListener('abort', onCallerAbort, { once: true });

    const { port1, port2 } = new MessageChannel();
    let startedAt: number | undefined;
    let tierKnown = false;
    port1.on('message', (message: ProgressMessage) => {
      if (startedAt === undefined) {
        startedAt = Date.now();
        clearTimeout(timer);
        const longest = options.tier === 'auto' ? Math.max(...Object.values(deadlines)) : deadlines[options.tier];
        timer = setTimeout(() => abort('deadline'), longest);
      }
      if (message.tier && !tierKnown) {
        // Now the tier is known: its own, usually shorter, deadline applies from the start of the trace.
        tierKnown = true;
        clearTimeout(timer);
        timer = setTimeout(() => abort('deadline'), Math.max(0, startedAt + deadlines[message.tier] - Date.now()));
      }
      run.onProgress?.(message);
    });

    this.active++;
    try {
      const reply = await this.piscina.run(
        { input, options, limits: limitsFromConfig(this.config), deadlines, progress: port2 },
        { signal: controller.signal, transferList: [port2] },
      );
      if (!reply.ok) throw AppError.fromJSON(reply.error) ?? this.unexpected(reply.error);
      return reply.result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (reason === 'queue-wait') {
        throw new AppError('QUEUE_TIMEOUT', `No worker was free within ${this.config.QUEUE_WAIT_MS} ms; retry later.`, {
          retryAfterSeconds: 10,
          cause: err,
        });
      }
      if (reason === 'deadline') {
        throw new AppError('TRACE_TIMEOUT', 'The conversion did not finish within its time limit; the image is too complex at this size.', {
          cause: err,
        });
      }
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new AppError('TOO_COMPLEX', 'Tracing this image needed more memory than a conversion may use.', { cause: err });
      }
      if ((err as Error).message === 'Task queue is at limit') {
        throw new AppError('QUEUE_FULL', 'The conversion queue is full; retry after a short wait.', { retryAfterSeconds: 5 });
      }
      throw err;
    } finally {
      this.active--;
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onCallerAbort);
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.piscina.close();
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}
