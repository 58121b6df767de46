/**
 * One full collection once the API has answered every request and stayed idle for a moment. What
 * it held for them (uploads, answers) is mostly external memory, Buffers that V8 frees only at a
 * collection, and a process with nothing to do allocates nothing that would start one: after a
 * minute of load the API kept the last requests' bodies until the next request came.
 */
import type { RequestHandler } from 'express';
import { collectGarbage } from '../../quality/native-memory.js';

/** Idle this long after the last answer: long enough that a burst of requests pays for none. */
export const IDLE_COLLECT_MS = 2000;

export function idleCollection(delayMs = IDLE_COLLECT_MS): RequestHandler {
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  return (_req, res, next) => {
    inFlight++;
    clearTimeout(timer);
    res.once('close', () => {
      if (--inFlight === 0) timer = setTimeout(collectGarbage, delayMs).unref();
    });
    next();
  };
}
