/**
 * The error catalog and AppError: codes and statuses are a contract clients branch on, and errors
 * must survive the trip through worker threads and BullMQ job payloads unchanged.
 */
import { describe, expect, it } from 'vitest';
import { AppError, isDeferral, toAppError } from '../src/errors/app-error.js';
import { ERRORS, isErrorCode, type ErrorCode } from '../src/errors/catalog.js';

/** Pinned here, not read from src: a changed status is a breaking change for every client. */
const STATUSES: Record<ErrorCode, number> = {
  EMPTY_UPLOAD: 400, MISSING_IMAGE: 400, INVALID_OPTIONS: 400, INVALID_MULTIPART: 400,
  UNAUTHORIZED: 401, FORBIDDEN: 403,
  NOT_FOUND: 404, JOB_NOT_FOUND: 404, RESULT_NOT_FOUND: 404, BATCH_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405, NOT_ACCEPTABLE: 406, JOB_NOT_FINISHED: 409,
  UPLOAD_TOO_LARGE: 413, BATCH_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, UNSUPPORTED_TYPE: 415,
  INVALID_IMAGE: 422, IMAGE_TOO_LARGE: 422, TOO_MANY_FRAMES: 422, TOO_COMPLEX: 422, TRACE_TIMEOUT: 422, NOT_LINE_ART: 422,
  RATE_LIMITED: 429, QUEUE_FULL: 429, CLIENT_CLOSED: 499,
  INTERNAL: 500, NOT_READY: 503, QUEUE_TIMEOUT: 503, SHUTTING_DOWN: 503,
};
/** Worth retrying as is: the same request may succeed later. */
const RETRYABLE = new Set<ErrorCode>(['JOB_NOT_FINISHED', 'RATE_LIMITED', 'QUEUE_FULL', 'CLIENT_CLOSED', 'INTERNAL', 'NOT_READY', 'QUEUE_TIMEOUT', 'SHUTTING_DOWN']);

describe('the catalog', () => {
  it('has exactly the pinned codes, each with its status, a title and whether a retry can help', () => {
    expect(Object.keys(ERRORS).sort()).toEqual(Object.keys(STATUSES).sort());
    for (const [code, entry] of Object.entries(ERRORS) as [ErrorCode, (typeof ERRORS)[ErrorCode]][]) {
      expect(entry.status, code).toBe(STATUSES[code]);
      expect(entry.retryable, code).toBe(RETRYABLE.has(code));
      expect(entry.title.length, code).toBeGreaterThan(3);
    }
  });

  it('knows its own codes only, not inherited names or other types', () => {
    expect(isErrorCode('TOO_COMPLEX')).toBe(true);
    for (const v of ['too_complex', 'toString', 'constructor', '__proto__', '', 42, null, undefined, { code: 'INTERNAL' }]) expect(isErrorCode(v), String(v)).toBe(false);
  });
});

describe('AppError', () => {
  it('takes status, title and retryability from the catalog; detail is the message', () => {
    const cause = new Error('disk');
    const e = new AppError('QUEUE_FULL', '9 conversions are queued.', { retryAfterSeconds: 5, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'AppError', code: 'QUEUE_FULL', status: 429, title: 'Conversion queue full', retryable: true, retryAfterSeconds: 5, message: '9 conversions are queued.', detail: '9 conversions are queued.' });
    expect(e.cause).toBe(cause);
    expect(new AppError('TOO_COMPLEX', 'x')).toMatchObject({ status: 422, retryable: false, retryAfterSeconds: undefined });
  });

  it('survives serialisation (threads, job payloads) without its cause, and refuses what is not one', () => {
    const e = new AppError('NOT_READY', 'Redis is away.', { retryAfterSeconds: 5, cause: new Error('secret internals') });
    const json = JSON.parse(JSON.stringify(e.toJSON()));
    expect(json).toEqual({ code: 'NOT_READY', detail: 'Redis is away.', retryAfterSeconds: 5 });
    const back = AppError.fromJSON(json)!;
    expect(back).toBeInstanceOf(AppError);
    expect(back).toMatchObject({ code: 'NOT_READY', status: 503, detail: 'Redis is away.', retryAfterSeconds: 5 });
    for (const bad of [null, undefined, 'NOT_READY', 7, { code: 'NOPE', detail: 'x' }, { code: 'INTERNAL' }, { code: 'INTERNAL', detail: 3 }, { detail: 'x' }]) {
      expect(AppError.fromJSON(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe('toAppError', () => {
  it('keeps an AppError as it is, and revives a serialised one', () => {
    const e = new AppError('TRACE_TIMEOUT', 'Too slow.');
    expect(toAppError(e)).toBe(e);
    expect(toAppError({ code: 'TRACE_TIMEOUT', detail: 'Too slow.' })).toMatchObject({ code: 'TRACE_TIMEOUT', status: 422, detail: 'Too slow.' });
  });

  it('revives an Error that lost its class in a worker thread but kept its code', () => {
    const lost = Object.assign(new Error('The image has 2000 frames.'), { code: 'TOO_MANY_FRAMES' });
    expect(toAppError(lost)).toMatchObject({ code: 'TOO_MANY_FRAMES', status: 422, detail: 'The image has 2000 frames.' });
  });

  it('turns anything else into INTERNAL with a sentence, keeping the cause for the logs only', () => {
    for (const thrown of [new Error('segfault in native code'), Object.assign(new Error('x'), { code: 'ENOENT' }), 'a string', undefined]) {
      const e = toAppError(thrown);
      expect(e.code).toBe('INTERNAL');
      expect(e.status).toBe(500);
      expect(e.detail).toBe('The conversion failed unexpectedly. Try again; if it persists, report it.');
      expect(e.cause).toBe(thrown);
      expect(JSON.stringify(e.toJSON())).not.toContain('segfault');
    }
  });
});

describe('isDeferral', () => {
  it('is true for "not now" (429, 503) and false for failures of the work or for other errors', () => {
    for (const code of ['RATE_LIMITED', 'QUEUE_FULL', 'NOT_READY', 'QUEUE_TIMEOUT', 'SHUTTING_DOWN'] as const) expect(isDeferral(new AppError(code, 'x')), code).toBe(true);
    for (const code of ['INTERNAL', 'TOO_COMPLEX', 'CLIENT_CLOSED', 'JOB_NOT_FINISHED'] as const) expect(isDeferral(new AppError(code, 'x')), code).toBe(false);
    expect(isDeferral({ status: 429 })).toBe(false);
    expect(isDeferral(new Error('429'))).toBe(false);
  });
});
