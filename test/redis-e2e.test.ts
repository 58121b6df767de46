/**
 * Production mode end to end, against the real Redis on 127.0.0.1:6379 (own key prefix) with the
 * API in this process and two `svg-ai worker` child processes: sync, async and cache-hit paths,
 * de-duplication, and every submitted job accounted for.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { smallLogo } from './helpers/service.js';
import { dropPrefix, freeze, SHARED_REDIS_URL, startWorkerProcess, stopProcess, sumMetric, thaw, uniquePrefix, waitFor, type WorkerProcess } from './helpers/redis.js';

const prefix = uniquePrefix('e2e');
const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix };
let api: RunningServer;
let base: string;
let workers: WorkerProcess[] = [];
let fixtures: FixtureIndex;

beforeAll(async () => {
  fixtures = await ensureFixtures();
  api = await startServer(loadConfig({}, { ...env, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0 }), createLogger('silent'));
  base = `http://127.0.0.1:${api.port}`;
  workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopProcess(w)));
  await api?.shutdown();
  await dropPrefix(SHARED_REDIS_URL, prefix);
});

const post = (body: Buffer, query = '', headers: Record<string, string> = {}) =>
  fetch(`${base}/api/convert${query}`, { method: 'POST', headers: { 'Content-Type': 'image/png', ...headers }, body });

const conversions = async () => (await Promise.all(workers.map((w) => w.metrics()))).reduce((n, text) => n + sumMetric(text, 'svgai_conversions_total'), 0);

describe('production mode (BullMQ on Redis, two worker processes)', () => {
  it('is ready and reports its mode', async () => {
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready', mode: 'redis' });
  });

  it.each(['logo-2c', 'flat-art', 'photo-like', 'transparent-logo'] as const)('converts %s synchronously, with the X-SVG-AI headers', async (name) => {
    const res = await post(await readFile(fixtures[name].file));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-svg-ai-cache')).toBe('miss');
    expect(Number(res.headers.get('x-svg-ai-ssim'))).toBeGreaterThan(0.8);
    expect(await res.text()).toMatch(/^<svg/);
  });

  it('answers a repeat from the Redis cache, and counts one lookup per request', async () => {
    const lookups = async (result: string) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return sumMetric(text.split('\n').filter((l) => l.includes(`result="${result}"`)).join('\n'), 'svgai_cache_requests_total');
    };
    const [hits, misses] = [await lookups('hit'), await lookups('miss')];
    const fresh = await post(await smallLogo(72, '#3d7a5c'));
    expect(fresh.headers.get('x-svg-ai-cache')).toBe('miss');
    // Fetching the finished job's result is not a second (hit) lookup.
    expect([await lookups('hit') - hits, await lookups('miss') - misses]).toEqual([0, 1]);
    const res = await post(await readFile(fixtures['logo-2c'].file));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-svg-ai-cache')).toBe('hit');
    expect(await lookups('hit') - hits).toBe(1);
  });

  it('runs an async job: 202 + Location, progress by stage, then the SVG', async () => {
    const image = await smallLogo(200, '#7a1f9c');
    const res = await post(image, '?async=1');
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/api\/jobs\/[0-9a-f]{64}-[0-9a-f]{16}$/);
    const done = await waitFor('job completed', async () => {
      const job = (await (await fetch(`${base}${location}`)).json()) as { state: string; progress?: { stage: string }; result?: { tier: number } };
      return job.state === 'completed' ? job : undefined;
    });
    expect(done.progress?.stage).toMatch(/^(sniff|probe|guard|decode|classify|trace|optimize|score)$/);
    expect(done.result?.tier).toBe(1);
    const svg = await fetch(`${base}${location}/svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('x-svg-ai-tier')).toBe('1');
    expect(await svg.text()).toMatch(/^<svg/);
    // Prefer: respond-async is the same request.
    const again = await post(image, '', { Prefer: 'respond-async' });
    expect(again.status).toBe(202);
    expect(again.headers.get('location')).toBe(location);
  });

  it('traces 20 identical concurrent uploads once, and every caller gets the same SVG', async () => {
    const image = await smallLogo(180, '#c05a00');
    const before = await conversions();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(image)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(await Promise.all(answers.map((a) => a.text()))).size).toBe(1);
    expect((await conversions()) - before).toBe(1);
  });

  it('refuses a bad image before it takes a place in the queue', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    const res = await post(Buffer.from('definitely not an image'));
    expect(res.status).toBe(415);
    expect(((await res.json()) as { code: string }).code).toBe('UNSUPPORTED_TYPE');
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(sumMetric(after, 'svgai_queue_jobs')).toBe(sumMetric(before, 'svgai_queue_jobs'));
  });

  it('answers unknown jobs with 404 and unfinished ones with 409', async () => {
    expect((await fetch(`${base}/api/jobs/${'0'.repeat(64)}-${'0'.repeat(16)}`)).status).toBe(404);
    expect((await fetch(`${base}/api/jobs/not-a-job`)).status).toBe(404);
    // Both workers held (SIGSTOP): the job stays unfinished for as long as this test looks at it.
    workers.forEach(freeze);
    let location: string;
    try {
      const res = await post(await smallLogo(160, '#2e8b57'), '?async=1');
      expect(res.status).toBe(202);
      location = res.headers.get('location')!;
      const early = await fetch(`${base}${location}/svg`);
      expect(early.status).toBe(409);
      expect(early.headers.get('retry-after')).toBe('1');
      const problem = (await early.json()) as { code: string; detail: string };
      expect(problem.code).toBe('JOB_NOT_FINISHED');
      expect(problem.detail).toMatch(/^The job is (waiting|active|prioritized|delayed)/);
    } finally {
      workers.forEach(thaw);
    }
    await waitFor('held job completed', async () => ((await (await fetch(`${base}${location}`)).json()) as { state: string }).state === 'completed');
    const done = await fetch(`${base}${location}/svg`);
    expect(done.status).toBe(200);
    expect(await done.text()).toMatch(/^<svg/);
  });

  it('accounts for every job: submitted = completed + failed, nothing left waiting', async () => {
    const metrics = await waitFor('queue drained', async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return text.includes('svgai_queue_jobs{state="waiting"} 0') && text.includes('svgai_queue_jobs{state="active"} 0') ? text : undefined;
    });
    expect(metrics).toContain('svgai_queue_jobs{state="failed"} 0');
    const perWorker = await Promise.all(workers.map(async (w) => sumMetric(await w.metrics(), 'svgai_conversions_total')));
    // Four fixtures, one fresh logo, one async logo, one de-duplicated logo, one held logo: eight distinct conversions.
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(8);
  });
});
