/** The signal that a request's client hung up before its answer was complete. */
import type { Request, Response } from 'express';
import { CALLER_LEFT } from '../pipeline/cancellation.js';

export function callerGone(req: Request, res: Response): AbortSignal {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort(CALLER_LEFT);
  });
  // A client that hung up while the body was read is gone already: 'close' will not come again.
  if (res.closed || req.socket.destroyed) gone.abort(CALLER_LEFT);
  return gone.signal;
}
