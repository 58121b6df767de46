/** Conversion jobs as callers see them (GET /api/jobs/:id), the same in both modes. */
import type { SerializedError } from '../errors/app-error.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ProgressMessage } from './trace-task.js';

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export type ResultFacts = Omit<ConversionResult, 'svg'>;

export interface JobView {
  id: string;
  state: JobState;
  /** The stage running now (or last reported). */
  progress?: ProgressMessage | undefined;
  createdAt: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  attempts: number;
  result?: ResultFacts | undefined;
  error?: SerializedError | undefined;
}

/** Job ids are conversion keys: sha256 of the bytes, then a digest of options and engine versions. */
export const JOB_ID = /^[0-9a-f]{64}-[0-9a-f]{16}$/;

export function factsOf(result: ConversionResult): ResultFacts {
  const { svg: _svg, ...facts } = result;
  return facts;
}

export const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
