/** What the API and the workers agree on about BullMQ jobs: names, data, results, failures. */
import { UnrecoverableError } from 'bullmq';
import { AppError, type SerializedError } from '../errors/app-error.js';
import type { ConvertOptions } from '../pipeline/options.js';
import type { ResultFacts } from './jobs.js';

export const QUEUE_NAME = 'conversions';
export const JOB_NAME = 'convert';

/** Job data carries a reference to the bytes (stored under their hash with a TTL), never the bytes. */
export interface ConversionJobData {
  inputHash: string;
  options: ConvertOptions;
}

/** The job's return value: the facts; the SVG itself is in the result store under the job id. */
export type ConversionJobResult = ResultFacts;

/**
 * A failure that is the input's fault (bad image, too complex) must not be retried: BullMQ's
 * UnrecoverableError ends the job at once. Its message carries the serialized AppError.
 */
export function inputFailure(error: AppError): UnrecoverableError {
  return new UnrecoverableError(JSON.stringify(error.toJSON()));
}

/** Turns a job's failedReason back into the error the caller should see. */
export function errorFromFailure(failedReason: string | undefined): SerializedError {
  try {
    const revived = AppError.fromJSON(JSON.parse(failedReason ?? ''));
    if (revived) return revived.toJSON();
  } catch {
    // not one of ours: a crash, a stall, a lost lock
  }
  return { code: 'INTERNAL', detail: 'The conversion failed on every attempt; try again later.' };
}
