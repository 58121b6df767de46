/** Row 26: slowloris. Trickled headers, a body that never finishes and idle keep-alive are cut off. */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { testConfig } from './helpers/service.js';

// Each timeout is set far below what Node would apply without it, and each guard lies between the
// two, so only the configured setting can close the connection in time: without headersTimeout
// Node waits for requestTimeout (60 s here), without keepAliveTimeout for its own 5 s, without
// requestTimeout for 300 s.
let running: RunningServer;
let bodyServer: RunningServer;
beforeAll(async () => {
  running = await startServer(
    testConfig({ PORT: 0, HOST: '127.0.0.1', HEADERS_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 60_000, KEEP_ALIVE_TIMEOUT_MS: 300, QUEUE_WAIT_MS: 500 }),
    createLogger('silent'),
  );
  bodyServer = await startServer(
    testConfig({ PORT: 0, HOST: '127.0.0.1', HEADERS_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000, KEEP_ALIVE_TIMEOUT_MS: 300, QUEUE_WAIT_MS: 500 }),
    createLogger('silent'),
  );
});
afterAll(async () => {
  await running.shutdown();
  await bodyServer.shutdown();
});

/**
 * Opens a socket to `port`, runs `drip` on it, and resolves with what the server sent once it
 * closed the connection; rejects if it is still open after `guardMs`.
 */
function untilClosed(port: number, guardMs: number, drip: (socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timers: NodeJS.Timeout[] = [];
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${guardMs} ms`));
    }, guardMs);
    socket.on('data', (d) => (received += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      timers.forEach(clearTimeout);
      resolve(received);
    });
    socket.on('connect', () => drip(socket));
  });
}

/** Writes `text` one byte every `everyMs`, stopping when the socket closes. */
function trickle(socket: net.Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('server timeouts', () => {
  it('closes a connection whose headers trickle in (headersTimeout)', async () => {
    // 300 header bytes at one per 200 ms would take 60 s: headersTimeout (1 s) must cut it, well before requestTimeout (60 s).
    const answer = await untilClosed(running.port, 15_000, (s) => trickle(s, 'POST /api/convert HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(300), 200));
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes a request whose body never finishes (requestTimeout)', async () => {
    // requestTimeout 2 s against Node's 300 s default.
    const answer = await untilClosed(bodyServer.port, 20_000, (s) => {
      s.write('POST /api/convert HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n');
      trickle(s, 'x'.repeat(1000), 200);
    });
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes an idle keep-alive connection (keepAliveTimeout)', async () => {
    // keepAliveTimeout 300 ms against Node's 5 s default; the guard lies between them.
    const answer = await untilClosed(running.port, 4000, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });

  it('no job was consumed and the service still answers', async () => {
    expect((await running.converter.counts()).active).toBe(0);
    expect((await fetch(`http://127.0.0.1:${running.port}/health`)).status).toBe(200);
  });
});
