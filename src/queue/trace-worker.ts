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

// libvips' operation cache would keep decoded images of past requests (up to 50 MB) for no gain:
// every upload is new bytes.
sharp.cache(false);

/** A thread idle this long after a task collects its garbage once, so a quiet service gives memory back. */
const IDLE_COLLECT_MS = 2000;
let idleCollect: NodeJS.Timeout | undefined;

async function traceTask(task: TraceTask): Promise<TraceReply> {
  clearTimeout(idleCollect);
  const { progress } = task;
  // Taken off the queue now: the wait for a thread ends here, and the deadline starts, warm-up included.
  progress?.postMessage({ stage: 'start', index: 0, total: 0 } satisfies ProgressMessage);
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
