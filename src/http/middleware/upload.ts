/**
 * Reads the upload: multipart field `image`, or the raw body when Content-Type is image/* (or
 * application/octet-stream). Every limit is explicit; an oversized body is cut off, not buffered.
 */
import { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { AppError } from '../../errors/app-error.js';

export interface Upload {
  bytes: Buffer;
  /** Form fields (multipart only), merged with the query string by the route. */
  fields: Record<string, unknown>;
  /** The client's file name (multipart only), for the answer's Content-Disposition. */
  name?: string | undefined;
}

declare module 'express-serve-static-core' {
  interface Request {
    upload?: Upload;
  }
}

/** Multipart framing around one file: boundaries, part headers and a few option fields. */
export const MULTIPART_OVERHEAD = 64 * 1024;
export const MAX_FIELDS = 20;

export const tooLarge = (limit: number) =>
  new AppError('UPLOAD_TOO_LARGE', `The upload is larger than the ${(limit / 1024 / 1024).toFixed(1)} MB limit.`);

export function multerError(err: unknown, limit: number): AppError {
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return tooLarge(limit);
      case 'LIMIT_UNEXPECTED_FILE':
      case 'LIMIT_FILE_COUNT':
        return new AppError('INVALID_MULTIPART', 'Send exactly one file, in the form field named "image".');
      case 'LIMIT_FIELD_COUNT':
      case 'LIMIT_PART_COUNT':
        return new AppError('INVALID_MULTIPART', `The form has too many fields; at most ${MAX_FIELDS} option fields are accepted.`);
      case 'LIMIT_FIELD_VALUE':
      case 'LIMIT_FIELD_KEY':
        return new AppError('INVALID_MULTIPART', 'A form field is too long; option values are short words and numbers.');
      default:
        return new AppError('INVALID_MULTIPART', `The multipart form could not be read (${err.code}).`);
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('INVALID_MULTIPART', `The multipart form could not be read: ${message.replace(/^Multipart:\s*/, '')}.`);
}

/**
 * Reads a raw body up to `limit` bytes. Unlike body-parser, which drains an oversized body to its
 * end before answering, this stops at the first byte over the limit so the 413 goes out at once.
 */
function readRawBody(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new AppError('INVALID_MULTIPART', 'The request body could not be read completely.', { cause: err }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export function uploadMiddleware(maxBytes: number): RequestHandler {
  const form = multer({
    storage: multer.memoryStorage(),
    // The name exactly as sent, so a name with a path is recognised as such and never echoed in a
    // download name (busboy would otherwise hand over its last segment as if it were plain).
    preservePath: true,
    limits: {
      fileSize: maxBytes,
      files: 1,
      fields: MAX_FIELDS,
      parts: MAX_FIELDS + 1,
      fieldNameSize: 64,
      fieldSize: 1024,
      headerPairs: 50,
    },
  }).single('image');

  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD) return next(tooLarge(maxBytes));
    const type = (req.headers['content-type'] ?? '').toLowerCase();

    if (type.startsWith('multipart/form-data')) {
      return form(req, res, (err?: unknown) => {
        if (err) return next(multerError(err, maxBytes));
        if (!req.file) return next(new AppError('MISSING_IMAGE', 'The form has no file in the field named "image".'));
        req.upload = { bytes: req.file.buffer, fields: { ...(req.body as Record<string, unknown>) }, name: req.file.originalname };
        next();
      });
    }
    if (type.startsWith('image/') || type.startsWith('application/octet-stream')) {
      return readRawBody(req, maxBytes).then((bytes) => {
        req.upload = { bytes, fields: {} };
        next();
      }, next);
    }
    if (type === '' || type.startsWith('application/json') || type.startsWith('application/x-www-form-urlencoded')) {
      return next(
        new AppError('MISSING_IMAGE', 'No image found: send it as multipart form field "image", or as the raw body with an image/* Content-Type.'),
      );
    }
    next(
      new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `A ${type.split(';')[0]} body is not accepted; send multipart/form-data with field "image", or an image/* body.`,
      ),
    );
  };
}
