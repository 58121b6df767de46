/**
 * The conversion's "has the caller gone?" check, reachable from deep inside a stage (between tiles,
 * between render bands, between a candidate's trace and its scoring) without threading it through
 * every engine's signature. A cancelled trace cannot interrupt a native call it is in, but it starts
 * no further native or scoring work, so the CPU it holds is given back soon after the call returns.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../errors/app-error.js';

const current = new AsyncLocalStorage<() => boolean>();

/** Runs `work` with `isCancelled` as the check throwIfCancelled() consults (nothing to check when undefined). */
export function withCancellation<T>(isCancelled: (() => boolean) | undefined, work: () => Promise<T>): Promise<T> {
  return isCancelled ? current.run(isCancelled, work) : work();
}

/** The one CLIENT_CLOSED refusal, wherever the hang-up is noticed (pipeline, thread pool, queue wait). */
export const clientClosed = (cause?: unknown): AppError =>
  new AppError('CLIENT_CLOSED', 'The client closed the request before the conversion finished.', { cause });

/**
 * The reason a conversion is aborted for a caller who left: a plain string, since abort() without
 * one builds a DOMException with a stack for every hang-up, and after a burst of them the next
 * live request waits behind that work on the event loop.
 */
export const CALLER_LEFT = 'caller left';

/** Throws CLIENT_CLOSED when the caller of the conversion running here has gone away. */
export function throwIfCancelled(): void {
  if (current.getStore()?.()) throw clientClosed();
}
