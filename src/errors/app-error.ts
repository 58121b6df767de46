import { ERRORS, isErrorCode, type ErrorCode } from './catalog.js';

/**
 * The single error type that crosses module, thread and process boundaries. `detail` is public
 * (shown to the caller); `cause` is internal (logged, never sent).
 */
export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    const entry = ERRORS[code];
    this.status = entry.status;
    this.title = entry.title;
    this.retryable = entry.retryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  readonly retryAfterSeconds: number | undefined;

  /** Plain data for postMessage / job payloads (Error subclasses do not survive structured clone). */
  toJSON(): SerializedError {
    return { code: this.code, detail: this.detail, retryAfterSeconds: this.retryAfterSeconds };
  }

  static fromJSON(value: unknown): AppError | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Partial<SerializedError>;
    if (!isErrorCode(v.code) || typeof v.detail !== 'string') return undefined;
    return new AppError(v.code, v.detail, { retryAfterSeconds: v.retryAfterSeconds });
  }
}

export interface SerializedError {
  code: ErrorCode;
  detail: string;
  retryAfterSeconds?: number | undefined;
}

/** Anything thrown becomes an AppError; unknown failures become INTERNAL with the cause kept for logs. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const revived = AppError.fromJSON(err);
  if (revived) return revived;
  // Worker threads lose the class but keep own enumerable fields on the thrown object.
  if (err instanceof Error) {
    const maybe = AppError.fromJSON({ code: (err as { code?: unknown }).code, detail: err.message });
    if (maybe) return maybe;
  }
  return new AppError('INTERNAL', 'The conversion failed unexpectedly. Try again; if it persists, report it.', {
    cause: err,
  });
}

/** A refusal to start work now (busy, waited too long, stopping), not a failure of the work itself. */
export function isDeferral(err: unknown): boolean {
  return err instanceof AppError && (err.status === 429 || err.status === 503);
}
