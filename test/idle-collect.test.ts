/**
 * The API collects its garbage once idle (src/http/middleware/idle-collect.ts): what a request
 * held is freed without waiting for the next request's allocations. Without the middleware the
 * body below was still alive after the same wait in every run (checked; not asserted here, since
 * whether V8 collects on its own meanwhile is V8's business).
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import { idleCollection } from '../src/http/middleware/idle-collect.js';

async function serve(): Promise<{ held: () => WeakRef<object> | undefined; fetchOnce: () => Promise<void>; close: () => void }> {
  const app = express();
  app.use(idleCollection(50));
  let ref: WeakRef<object> | undefined;
  app.get('/x', (_req, res) => {
    // An upload's body as a request holds it: gone once answered, but only a collection frees it.
    const body = { bytes: Buffer.alloc(1 << 20, 7) };
    ref = new WeakRef(body);
    res.send(String(body.bytes[0]));
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  return {
    held: () => ref,
    fetchOnce: async () => void (await (await fetch(`http://127.0.0.1:${port}/x`)).text()),
    close: () => server.close(),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 400));

describe('idle collection', () => {
  it('frees what the last request held once the API is idle', async () => {
    const s = await serve();
    try {
      await s.fetchOnce();
      await settle();
      expect(s.held()?.deref()).toBeUndefined();
    } finally {
      s.close();
    }
  });
});
