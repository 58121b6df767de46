/**
 * Removes finished job records once they are JOB_TTL_SECONDS old. BullMQ's removeOnComplete /
 * removeOnFail ages are only applied when a later job finishes, so on a quiet queue a finished
 * job (with its facts and error) would stay in Redis for good. Every worker sweeps; the sweep is
 * idempotent, so several workers sweeping the same queue only repeat each other's no-ops.
 */
import type { Queue } from 'bullmq';
import type { Logger } from '../observability/logger.js';

/** Records removed per state and sweep: enough for any steady rate, small enough to stay a quick Redis call. */
const SWEEP_LIMIT = 1000;

export interface JobSweeper {
  stop(): void;
}

export function startJobSweeper(queue: Queue, ttlSeconds: number, logger: Logger): JobSweeper {
  const graceMs = ttlSeconds * 1000;
  // Sweeping at half the TTL keeps a record at most 1.5 TTL; once a minute is plenty for long TTLs.
  const everyMs = Math.min(60_000, Math.max(1000, graceMs / 2));
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      for (const state of ['completed', 'failed'] as const) {
        const removed = await queue.clean(graceMs, SWEEP_LIMIT, state);
        if (removed.length > 0) logger.debug({ state, removed: removed.length }, 'expired job records removed');
      }
    } catch (err) {
      // Redis away or refusing writes: the next sweep tries again.
      logger.debug({ err: (err as Error).message }, 'job sweep failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
