/** The message shapes between the pool and its worker threads. */
import type { SerializedError } from '../errors/app-error.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ImageLimits } from '../pipeline/limits.js';
import type { ConvertOptions } from '../pipeline/options.js';
import type { StageName } from '../pipeline/stages.js';
import type { Tier } from '../tiers/thresholds.js';
import type { MessagePort } from 'node:worker_threads';

export interface TraceTask {
  input: Uint8Array;
  options: ConvertOptions;
  limits: ImageLimits;
  deadlines: Record<Tier, number>;
  /** Receives ProgressMessage as each stage starts. */
  progress?: MessagePort;
  /** Shared flag the pool sets to 1 when the caller went away: the trace stops at its next check. */
  cancel?: Int32Array;
}

/** Posted by a trace thread on its parent port once it is warm (engines loaded, hot loops compiled). */
export interface WarmMessage {
  svgaiWarm: number;
}

export interface ProgressMessage {
  /** `start`: a thread has taken the task (it may still be warming up); then each stage as it begins. */
  stage: StageName | 'start';
  index: number;
  total: number;
  /** Set once classification has run, so the caller can apply the tier's own deadline. */
  tier?: Tier;
  /** On `start`: the kernel id of the thread that took the task (see thread-priority.ts). */
  osThread?: number;
}

export type TraceReply = { ok: true; result: ConversionResult } | { ok: false; error: SerializedError };
