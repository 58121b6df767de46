/**
 * CPU priority of one trace thread. A trace whose caller went away runs on to its next check, and
 * a native call it is in (vtracer, 100-250 ms) cannot be interrupted; on a small machine those
 * leftovers would take the CPU from the live requests beside them. So the pool lowers the thread's
 * priority while it runs on unwanted, and the thread restores its own when the task ends.
 *
 * Linux schedules threads, not processes: setpriority on a thread id changes that thread alone.
 * Raising a priority back needs CAP_SYS_NICE or an RLIMIT_NICE of 20 (`ulimits: nice` in the
 * compose file); a thread that cannot restore itself reports it and is retired, so no thread ever
 * serves a live request at the low priority.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';

/** Niceness of a trace that is no longer wanted: the lowest, it runs only on an otherwise idle core. */
const UNWANTED_NICENESS = os.constants.priority.PRIORITY_LOW;

/** The kernel's id of the calling thread (Linux), or undefined where the platform has none to give. */
export function currentThreadId(): number | undefined {
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Lowers a thread that runs on for a caller who left; false if the platform refused. */
export function deprioritize(tid: number): boolean {
  try {
    os.setPriority(tid, UNWANTED_NICENESS);
    return true;
  } catch {
    return false;
  }
}

/**
 * Called by a trace thread before and after each task: puts its own priority back to the process's default.
 * False when it was lowered and may not be raised again (no CAP_SYS_NICE, RLIMIT_NICE too low).
 */
export function restoreOwnPriority(tid: number | undefined): boolean {
  if (tid === undefined) return true;
  try {
    const normal = os.getPriority(process.pid);
    if (os.getPriority(tid) === normal) return true;
    os.setPriority(tid, normal);
    return true;
  } catch {
    return false;
  }
}
