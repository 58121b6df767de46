/**
 * The worker-thread pool every conversion runs on. It owns the hard limits of a single trace:
 * time in the queue, the tier's deadline (the thread is terminated, not asked nicely), heap size,
 * and retries when a thread dies for reasons that are not the image's fault.
 *
 * WORKER_THREADS conversions run at once, on WORKER_THREADS + 1 threads created at start that stay
 * (unless THREAD_IDLE_TIMEOUT_MS is set); each is warmed before it takes a task, and a terminated
 * one is replaced and warmed in the background. A caller that goes away is answered at once, its
 * slot goes to the next conversion (on the spare thread, once its burst of hang-ups is over, see
 * below) and its trace is asked to stop at its next
 * check, so no thread is lost: it runs to that check in the background on its own thread, its
 * pixels still counted in flight. Only a trace that ignores that for CANCEL_GRACE_MS is terminated
 * (a native call it is in would run on anyway: terminating frees no CPU, and costs a cold thread).
 *
 * A conversion is handed to a thread only when one is free for it (tasks on threads, cancelled ones
 * included, stay within the thread count): a burst of callers that hang up never leaves a queue of
 * cancelled tasks in front of the next caller, who always starts on an idle, warm thread. Hang-ups
 * come in bursts (a client pool closing, a proxy dropping its connections), and the event loop
 * learns of them one socket at a time: a slot freed by one is handed on once the hang-ups have
 * stopped coming (HANG_UP_QUIET_MS without one), so it goes to a caller who is still there rather
 * than to a waiter whose hang-up is next in line (measured: without this, the spare thread started
 * a dead 1600x1200 trace in most bursts, beside the next live request).
 *
 * Admission is by decoded pixels as well as by count: a conversion starts only while the
 * megapixels in flight stay within MAX_MEGAPIXELS_IN_FLIGHT (first come, first served, so a large
 * image is never overtaken forever), which bounds memory and keeps two large images from sharing
 * the CPU and both missing their deadlines.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { tierDeadlines, type Config } from '../config/config.js';
import { AppError } from '../errors/app-error.js';
import { clientClosed } from '../pipeline/cancellation.js';
import type { ConversionResult } from '../pipeline/convert.js';
import { decodeCost, limitsFromConfig } from '../pipeline/limits.js';
import type { ConvertOptions } from '../pipeline/options.js';
import { probeImage } from '../pipeline/probe.js';
import { sniffFormat } from '../pipeline/sniff.js';
import { recordInFlight } from '../observability/metrics.js';
import type { ProgressMessage, TraceReply, TraceTask, WarmMessage } from './trace-task.js';
import { deprioritize } from './thread-priority.js';
import { workerExecArgv } from './worker-exec-argv.js';

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
  /** Threads that finished warming up and are alive. */
  warm: number;
  active: number;
  waiting: number;
  completed: number;
  /** Decoded pixels of the conversions admitted and not yet finished. */
  pixelsInFlight: number;
  /** Threads that ended (terminated at a deadline, crashed, let go when idle) since the start. */
  threadsEnded: number;
}

interface BudgetWaiter {
  pixels: number;
  admit: () => void;
}

type AbortReason = 'queue-wait' | 'deadline' | 'caller';

/** Young-generation size of a trace thread (see the pool's resourceLimits). */
export const THREAD_YOUNG_GENERATION_MB = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A burst of hang-ups is over when none came for this long (the event loop takes in one per socket, well under 1 ms each). */
export const HANG_UP_QUIET_MS = 5;
/** However long a burst lasts, a freed slot is handed on after at most this long. */
export const HANG_UP_MAX_HOLD_MS = 100;

export class TracePool {
  private readonly piscina: Piscina<TraceTask, TraceReply>;
  /** Conversions submitted and not finished; `running` of them have been taken by a thread. */
  private active = 0;
  private running = 0;
  private readonly warmThreads = new Set<number>();
  private readonly budget: number;
  private inFlight = 0;
  private readonly budgetQueue: BudgetWaiter[] = [];
  private markWarm!: () => void;
  /** Settles once every thread of the starting pool is warm: readiness waits for it. */
  readonly warm: Promise<void> = new Promise((resolve) => (this.markWarm = resolve));
  private isWarm = false;
  private threadsEnded = 0;
  /** Threads kept alive at all times: every one, unless THREAD_IDLE_TIMEOUT_MS lets idle ones go. */
  private readonly minThreads: number;
  private readonly threadCount: number;
  /** Conversions holding one of the WORKER_THREADS slots (admitted, caller still there). */
  private live = 0;
  /** Conversions handed to a thread and not finished: the live ones and those whose caller left. */
  private onThreads = 0;
  /** Callers that hung up since the start (admitted or waiting): tells when a burst of them is over. */
  private hangUps = 0;
  /** Slots freed by callers who left, held until their burst of hang-ups is over. */
  private heldSlots = 0;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: Config,
    workerFile: URL = DEFAULT_WORKER,
  ) {
    this.budget = Math.round(config.MAX_MEGAPIXELS_IN_FLIGHT * 1_000_000);
    // One thread more than conversions may run at once: a trace whose caller went away finishes its
    // current step on its own thread while the next request already runs, warm, on the spare.
    this.threadCount = config.WORKER_THREADS + 1;
    this.minThreads = config.THREAD_IDLE_TIMEOUT_MS === 0 ? this.threadCount : 1;
    this.piscina = new Piscina({
      filename: workerFile.href,
      // Every thread exists from the start and is replaced when terminated (piscina keeps minThreads);
      // a replacement takes tasks only once warm, since the worker's handler is that promise.
      minThreads: this.minThreads,
      maxThreads: this.threadCount,
      maxQueue: config.QUEUE_MAX_PENDING,
      idleTimeout: config.THREAD_IDLE_TIMEOUT_MS === 0 ? Infinity : config.THREAD_IDLE_TIMEOUT_MS,
      // V8's default young generation (about 34 MB a thread once warm) holds only short-lived
      // objects: pixels live in typed arrays outside it. 8 MB keeps about 25 MB less resident per thread.
      resourceLimits: { maxOldGenerationSizeMb: config.THREAD_MAX_HEAP_MB, maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
      execArgv: workerExecArgv(workerFile),
    });
    this.piscina.on('message', (message: Partial<WarmMessage>) => {
      if (typeof message?.svgaiWarm !== 'number') return;
      this.warmThreads.add(message.svgaiWarm);
      if (!this.isWarm && this.warmThreads.size >= this.minThreads) {
        this.isWarm = true;
        this.markWarm();
      }
    });
    this.piscina.on('workerDestroy', (worker: { id: number }) => {
      this.warmThreads.delete(worker.id);
      this.threadsEnded++;
    });
  }

  /** True once every starting thread has warmed up; replacements warm in the background after that. */
  get ready(): boolean {
    return this.isWarm;
  }

  stats(): PoolStats {
    return {
      threads: this.piscina.threads.length,
      warm: this.warmThreads.size,
      active: this.running,
      // Waiting for pixels in the budget or for a thread.
      waiting: this.active - this.running,
      completed: this.piscina.completed,
      pixelsInFlight: this.inFlight,
      threadsEnded: this.threadsEnded,
    };
  }

  /** True when a new task would be refused straight away. */
  get full(): boolean {
    return this.active - this.running >= this.config.QUEUE_MAX_PENDING;
  }

  /** Pixels the decode holds (see decodeCost), from the header; 0 when unreadable (the trace refuses it precisely). */
  private async pixelsOf(input: Uint8Array): Promise<number> {
    try {
      return decodeCost(await probeImage(input, sniffFormat(input)));
    } catch {
      return 0;
    }
  }

  /** Waits until `pixels` fit in the budget (or nothing else runs); FIFO, so no image is overtaken forever. */
  private acquire(pixels: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const fits = () => this.budgetQueue.length === 0 && this.admits(pixels);
    if (fits()) {
      this.take(pixels);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: BudgetWaiter = {
        pixels,
        admit: () => {
          signal.removeEventListener('abort', onAbort);
          this.take(pixels);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.budgetQueue.indexOf(waiter);
        if (at >= 0) this.budgetQueue.splice(at, 1);
        this.admitWaiting();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.budgetQueue.push(waiter);
    });
  }

  /** A free slot, a free thread, and the pixels fit in the budget (or nothing else is in flight). */
  private admits(pixels: number): boolean {
    return (
      this.live < this.config.WORKER_THREADS &&
      this.onThreads < this.threadCount &&
      (this.inFlight === 0 || this.inFlight + pixels <= this.budget)
    );
  }

  /**
   * Frees the slot of a caller who left once no hang-up has come for HANG_UP_QUIET_MS (at most
   * HANG_UP_MAX_HOLD_MS): the waiters who left in the same burst are dropped from the queue first.
   */
  private releaseSlotAfterHangUps(): void {
    this.heldSlots++;
    if (this.holdTimer) return;
    const heldSince = Date.now();
    let seen = this.hangUps;
    const settle = () => {
      if (this.hangUps !== seen && Date.now() - heldSince < HANG_UP_MAX_HOLD_MS) {
        seen = this.hangUps;
        this.holdTimer = setTimeout(settle, HANG_UP_QUIET_MS);
        return;
      }
      this.holdTimer = undefined;
      this.live -= this.heldSlots;
      this.heldSlots = 0;
      this.admitWaiting();
    };
    this.holdTimer = setTimeout(settle, HANG_UP_QUIET_MS);
  }

  private take(pixels: number): void {
    this.live++;
    this.onThreads++;
    this.inFlight += pixels;
    recordInFlight(this.inFlight);
  }

  private release(pixels: number): void {
    this.inFlight -= pixels;
    recordInFlight(this.inFlight);
    this.admitWaiting();
  }

  private admitWaiting(): void {
    for (let head = this.budgetQueue[0]; head && this.admits(head.pixels); head = this.budgetQueue[0]) {
      this.budgetQueue.shift();
      head.admit();
    }
  }

  async convert(input: Uint8Array, options: ConvertOptions, run: PoolRunOptions = {}): Promise<ConversionResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(input, options, run);
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (run.signal?.aborted) throw clientClosed(err);
        if (attempt >= this.config.TRACE_ATTEMPTS) throw this.unexpected(err);
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
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    let startedAt: number | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let slotHeld = false;
    let admitted = false;
    /** The kernel id of the thread running this trace, once it has taken it. */
    let osThread: number | undefined;
    let callerGone!: (err: AppError) => void;
    const gone = new Promise<never>((_, reject) => (callerGone = reject));
    gone.catch(() => undefined);
    const onCallerAbort = () => {
      this.hangUps++;
      // Not admitted yet: simply dropped from the wait.
      if (!admitted) return abort('caller');
      // Handed to a thread: ask the trace to stop and answer now; terminate the thread only if it
      // does not stop (aborting a task a thread has already taken would terminate that thread too).
      reason ??= 'caller';
      Atomics.store(cancel, 0, 1);
      // What it still runs (a native call cannot be interrupted) yields the CPU to live requests.
      if (osThread !== undefined) deprioritize(osThread);
      // Its slot goes to the next conversion (on the spare thread) once this burst of hang-ups is
      // over; its pixels stay counted until it stops.
      if (slotHeld) {
        slotHeld = false;
        this.releaseSlotAfterHangUps();
      }
      graceTimer = setTimeout(() => controller.abort('caller'), this.config.CANCEL_GRACE_MS);
      callerGone(clientClosed());
    };
    run.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (run.signal?.aborted) onCallerAbort();

    const { port1, port2 } = new MessageChannel();
    let tierKnown = false;
    port1.on('message', (message: ProgressMessage) => {
      if (message.osThread !== undefined) {
        osThread = message.osThread;
        if (reason === 'caller') deprioritize(osThread);
      }
      if (startedAt === undefined) {
        startedAt = Date.now();
        this.running++;
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
    const pixels = await this.pixelsOf(input);
    const traced = (async () => {
      await this.acquire(pixels, controller.signal);
      admitted = true;
      slotHeld = true;
      // The wait for a slot is over; a thread is free for it (admission counts the tasks on
      // threads), and its deadline starts when the thread takes it.
      clearTimeout(timer);
      return this.piscina.run(
        { input, options, limits: limitsFromConfig(this.config), deadlines, progress: port2, cancel },
        { signal: controller.signal, transferList: [port2] },
      );
    })();
    // The bookkeeping follows the trace itself, which may outlive a caller that went away.
    const settled = traced.finally(() => {
      this.active--;
      if (startedAt !== undefined) this.running--;
      if (slotHeld) {
        slotHeld = false;
        this.live--;
      }
      if (admitted) {
        // Its thread is free again (or replaced): the next conversion may have it.
        this.onThreads--;
        this.release(pixels);
      }
      clearTimeout(timer);
      clearTimeout(graceTimer);
      run.signal?.removeEventListener('abort', onCallerAbort);
      port1.close();
    });
    settled.catch(() => undefined);
    try {
      const reply = await Promise.race([settled, gone]);
      if (!reply.ok) throw AppError.fromJSON(reply.error) ?? this.unexpected(reply.error);
      return reply.result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (reason === 'caller') throw clientClosed(err);
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
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.holdTimer);
    await this.piscina.close();
  }

  async destroy(): Promise<void> {
    clearTimeout(this.holdTimer);
    await this.piscina.destroy();
  }
}
