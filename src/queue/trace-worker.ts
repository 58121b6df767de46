/**
 * Worker-thread entry: runs the whole pipeline off the API's event loop. Failures the caller should
 * see (bad input, too complex) come back as data; anything else is thrown so the pool can retry.
 */
import { AppError } from '../errors/app-error.js';
import { convertImage } from '../pipeline/convert.js';
import { warmUp } from '../engines/warmup.js';
import type { ProgressMessage, TraceReply, TraceTask } from './trace-task.js';

// Compile the hot paths once per thread, before the first caller's image (see engines/warmup.ts).
const warm = warmUp(2);

export default async function traceTask(task: TraceTask): Promise<TraceReply> {
  const { progress } = task;
  // Taken off the queue now: the wait for a thread ends here, and the deadline starts, warm-up included.
  progress?.postMessage({ stage: 'start', index: 0, total: 0 } satisfies ProgressMessage);
  await warm;
  try {
    const result = await convertImage(task.input, task.options, task.limits, task.deadlines, (stage, index, total, state) => {
      const message: ProgressMessage = { stage, index, total, ...(state.tier ? { tier: state.tier } : {}) };
      progress?.postMessage(message);
    });
    return { ok: true, result };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err.toJSON() };
    throw err;
  } finally {
    progress?.close();
  }
}
