/** Tracing runs on worker threads: the API's event loop answers /health while a big conversion runs. */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { testConfig } from './helpers/service.js';

let running: RunningServer;
let fixtures: FixtureIndex;

beforeAll(async () => {
  fixtures = await ensureFixtures();
  running = await startServer(testConfig({ PORT: 0, HOST: '127.0.0.1' }), createLogger('silent'));
  // Trace threads warm before readiness: until then a conversion waits for a thread, not on one.
  for (let i = 0; i < 600 && !(await fetch(`http://127.0.0.1:${running.port}/ready`)).ok; i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(() => running.shutdown());

describe('the event loop stays free', () => {
  it('answers /health before a large tier-3 conversion that is already running finishes', async () => {
    const base = `http://127.0.0.1:${running.port}`;
    const order: string[] = [];
    const conversion = fetch(`${base}/api/convert?tier=3`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png' },
      body: await readFile(fixtures['large-tier3'].file),
    }).then(async (res) => {
      await res.arrayBuffer();
      order.push('convert');
      return res.status;
    });
    // Wait until the conversion is really running on a worker thread.
    for (let i = 0; i < 200 && running.converter && (await running.converter.counts()).active === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await running.converter.counts()).active).toBe(1);
    const health = await fetch(`${base}/health`);
    order.push('health');
    expect(health.status).toBe(200);
    expect(await conversion).toBe(200);
    expect(order).toEqual(['health', 'convert']);
  });
});
