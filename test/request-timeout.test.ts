/** Row 26: slowloris. Trickled headers, a body that never finishes and idle keep-alive are cut off. */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { testConfig } from './helpers/service.js';

let running: RunningServer;
beforeAll(async () => {
  running = await startServer(
    testConfig({ PORT: 0, HOST: '127.0.0.1', HEADERS_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000, KEEP_ALIVE_TIMEOUT_MS: 500, QUEUE_WAIT_MS: 500 }),
    createLogger('silent'),
  );
});
afterAll(() => running.shutdown());

/** Opens a socket, runs `drip` on it, and resolves with what the server sent once it closed the connection. */
function untilClosed(drip: (socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(running.port, '127.0.0.1');
    let received = '';
    const timers: NodeJS.Timeout[] = [];
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the connection open'));
    }, 20_000);
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
    const answer = await untilClosed((s) => trickle(s, 'POST /api/convert HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100), 200));
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes a request whose body never finishes (requestTimeout)', async () => {
    const answer = await untilClosed((s) => {
      s.write('POST /api/convert HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n');
      trickle(s, 'x'.repeat(1000), 200);
    });
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes an idle keep-alive connection (keepAliveTimeout)', async () => {
    const answer = await untilClosed((s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });

  it('no job was consumed and the service still answers', async () => {
    expect((await running.converter.counts()).active).toBe(0);
    expect((await fetch(`http://127.0.0.1:${running.port}/health`)).status).toBe(200);
  });
});
