/** One access-log line per request (method, route, status, ms, bytes, cache), at info, in both modes. */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { dropPrefix, SHARED_REDIS_URL, startWorkerProcess, stopProcess, uniquePrefix, type WorkerProcess } from './helpers/redis.js';
import { smallLogo } from './helpers/service.js';

interface Line {
  level: number;
  msg: string;
  method?: string;
  route?: string;
  path?: string;
  status?: number;
  ms?: number;
  bytes?: number;
  cache?: string;
}

function suite(mode: 'embedded' | 'redis') {
  const prefix = uniquePrefix(`access-${mode}`);
  const redisEnv: Partial<Config> = mode === 'redis' ? { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix } : {};
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (text: string) => void lines.push(JSON.parse(text) as Line) });
  let api: RunningServer;
  let worker: WorkerProcess | undefined;
  let base: string;

  beforeAll(async () => {
    api = await startServer(loadConfig({}, { ...redisEnv, PORT: 0, HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: 0, WORKER_THREADS: 1 }), logger);
    if (mode === 'redis') worker = await startWorkerProcess({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
    base = `http://127.0.0.1:${api.port}`;
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await api?.shutdown();
    if (mode === 'redis') await dropPrefix(SHARED_REDIS_URL, prefix);
  });

  /** The access line of the request just answered (the log is written when the response closes). */
  const accessLine = async (method: string, route: string): Promise<Line> => {
    for (let i = 0; i < 100; i++) {
      const line = lines.findLast((l) => l.msg === 'request' && l.method === method && l.route === route);
      if (line) {
        lines.splice(lines.indexOf(line), 1);
        return line;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no access line for ${method} ${route}: ${JSON.stringify(lines)}`);
  };

  it('logs a conversion with its status, time, bytes and cache outcome, a miss then a hit', async () => {
    const logo = await smallLogo(72, '#123456');
    for (const cache of ['miss', 'hit']) {
      const res = await fetch(`${base}/api/convert`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: new Uint8Array(logo) });
      const body = await res.arrayBuffer();
      expect(res.status).toBe(200);
      const line = await accessLine('POST', '/api/convert');
      expect(line).toMatchObject({ level: 30, status: 200, bytes: body.byteLength, cache });
      expect(line.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('logs refusals, unknown paths and health checks too', async () => {
    await (await fetch(`${base}/health`)).arrayBuffer();
    expect(await accessLine('GET', '/health')).toMatchObject({ level: 30, status: 200 });
    await (await fetch(`${base}/nope`)).arrayBuffer();
    expect(await accessLine('GET', 'unmatched')).toMatchObject({ status: 404 });
    await (await fetch(`${base}/api/batch`)).arrayBuffer();
    const refused = await accessLine('GET', 'unmatched');
    expect(refused).toMatchObject({ status: 405, path: '/api/batch' });
    expect(refused.bytes).toBeGreaterThan(0);
    expect(refused.cache).toBeUndefined();
  });
}

describe('access log, embedded mode', () => suite('embedded'));
describe('access log, production mode (Redis + a worker process)', () => suite('redis'));
