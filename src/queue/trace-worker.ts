/**
 * Worker-thread entry: runs the whole pipeline off the API's event loop. Failures the caller should
 * see (bad input, too complex) come back as data; anything else is thrown so the pool can retry.
 */
import { AppError } from '../errors/app-error.js';
import { convertImage } from '../pipeline/convert.js';
import sharp from 'sharp';
import { warmUp } from '../engines/warmup.js';
import { collectGarbage, releaseNativeMemory } from '../quality/native-memory.js';
import { parentPort, threadId } from 'node:worker_threads';
import type { ProgressMessage, TraceReply, TraceTask, WarmMessage } from './trace-task.js';
import { currentThreadId, restoreOwnPriority } from './thread-priority.js';

// libvips' operation cache would keep decoded images of past requests (up to 50 MB) for no gain:
// every upload is new bytes.
sharp.cache(false);

/** A thread idle this long after a task collects its garbage once, so a quiet service gives memory back. */
const IDLE_COLLECT_MS = 2000;
let idleCollect: NodeJS.Timeout | undefined;

/** This thread's kernel id: the pool lowers its priority while a trace runs on for a caller who left. */
const osThread = currentThreadId();

/**
 * Every task starts, and every idle spell begins, at the process's normal priority. A thread that
 * may not raise its own priority again ends here: the pool replaces it with a fresh, warm one.
 */
function normalPriorityOrRetire(): void {
  if (!restoreOwnPriority(osThread)) process.exit(0);
}

async function traceTask(task: TraceTask): Promise<TraceReply> {
  clearTimeout(idleCollect);
  normalPriorityOrRetire();
  const { progress } = task;
  // Taken off the queue now: the wait for a thread ends here, and the deadline starts, warm-up included.
  progress?.postMessage({ stage: 'start', index: 0, total: 0, ...(osThread ? { osThread } : {}) } satisfies ProgressMessage);
  const { cancel } = task;
  try {
    const result = await convertImage(
      task.input,
      task.options,
      task.limits,
      task.deadlines,
      (stage, index, total, state) => {
        const message: ProgressMessage = { stage, index, total, ...(state.tier ? { tier: state.tier } : {}) };
        progress?.postMessage(message);
      },
      cancel ? () => Atomics.load(cancel, 0) === 1 : undefined,
    );
    // The decoded image is garbage now: give its memory back before the next task.
    await releaseNativeMemory(result.width * result.height);
    return { ok: true, result };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err.toJSON() };
    throw err;
  } finally {
    progress?.close();
    normalPriorityOrRetire();
    idleCollect = setTimeout(collectGarbage, IDLE_COLLECT_MS).unref();
  }
}

/**
 * The handler is exported as a promise that settles once the thread is warm (see engines/warmup.ts):
 * the pool marks a new thread ready, and gives it a task, only then, so no caller waits for a cold
 * thread; the message tells the pool this thread is warm (readiness waits for all of them).
 */
export default warmUp(2).then(() => {
  parentPort?.postMessage({ svgaiWarm: threadId } satisfies WarmMessage);
  return traceTask;
});
