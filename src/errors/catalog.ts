/**
 * The one error catalog: every refusal the service can give, with its stable code, HTTP status and
 * the sentence a person reads. Clients branch on `code`; the wording may improve, the codes may not change.
 */
export const ERRORS = {
  EMPTY_UPLOAD: { status: 400, title: 'Empty upload', retryable: false },
  MISSING_IMAGE: { status: 400, title: 'No image in the request', retryable: false },
  INVALID_OPTIONS: { status: 400, title: 'Invalid options', retryable: false },
  INVALID_MULTIPART: { status: 400, title: 'Malformed multipart request', retryable: false },
  UNAUTHORIZED: { status: 401, title: 'API key required', retryable: false },
  FORBIDDEN: { status: 403, title: 'API key not accepted', retryable: false },
  NOT_FOUND: { status: 404, title: 'Not found', retryable: false },
  JOB_NOT_FOUND: { status: 404, title: 'Job not found', retryable: false },
  RESULT_NOT_FOUND: { status: 404, title: 'Result not found', retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false },
  NOT_ACCEPTABLE: { status: 406, title: 'No acceptable format', retryable: false },
  JOB_NOT_FINISHED: { status: 409, title: 'Job not finished', retryable: true },
  UPLOAD_TOO_LARGE: { status: 413, title: 'Upload too large', retryable: false },
  BATCH_TOO_LARGE: { status: 413, title: 'Batch too large', retryable: false },
  BATCH_NOT_FOUND: { status: 404, title: 'Batch not found', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported request body type', retryable: false },
  UNSUPPORTED_TYPE: { status: 415, title: 'Unsupported image type', retryable: false },
  INVALID_IMAGE: { status: 422, title: 'Image could not be decoded', retryable: false },
  IMAGE_TOO_LARGE: { status: 422, title: 'Image dimensions over the limit', retryable: false },
  TOO_MANY_FRAMES: { status: 422, title: 'Too many frames', retryable: false },
  TOO_COMPLEX: { status: 422, title: 'Image too complex to trace', retryable: false },
  TRACE_TIMEOUT: { status: 422, title: 'Conversion exceeded its time limit', retryable: false },
  NOT_LINE_ART: { status: 422, title: 'Image is not line art', retryable: false },
  RATE_LIMITED: { status: 429, title: 'Too many requests', retryable: true },
  QUEUE_FULL: { status: 429, title: 'Conversion queue full', retryable: true },
  // The client hung up before the answer: nobody reads this answer; logged at info, counted apart.
  CLIENT_CLOSED: { status: 499, title: 'Client closed the request', retryable: true },
  INTERNAL: { status: 500, title: 'Internal error', retryable: true },
  NOT_READY: { status: 503, title: 'Service not ready', retryable: true },
  QUEUE_TIMEOUT: { status: 503, title: 'Waited too long for a worker', retryable: true },
  SHUTTING_DOWN: { status: 503, title: 'Service shutting down', retryable: true },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}
