/**
 * Formats over HTTP, in both modes (embedded, and Redis with a worker process): the format option
 * and Accept, Content-Type and Content-Disposition, the result id on every conversion answer, and
 * GET /api/results/{id} re-exporting without tracing, then 404 RESULT_NOT_FOUND after expiry.
 */
import request from 'supertest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { dropPrefix, SHARED_REDIS_URL, startWorkerProcess, stopProcess, uniquePrefix, waitFor, type WorkerProcess } from './helpers/redis.js';
import { counterValue, smallLogo } from './helpers/service.js';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

const expectProblem = (res: request.Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(Buffer.isBuffer(res.body) ? res.body.toString() : JSON.stringify(res.body));
  expect(body).toMatchObject({ status, code });
  expect(body.detail).toMatch(/\w+ \w+ \w+/);
};

function suite(mode: 'embedded' | 'redis') {
  const prefix = uniquePrefix(`export-${mode}`);
  const env: Partial<Config> = mode === 'redis' ? { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix } : {};
  let api: RunningServer;
  let shortLived: RunningServer;
  let worker: WorkerProcess | undefined;
  let logo: Buffer;

  beforeAll(async () => {
    const config = (o: Partial<Config>) => loadConfig({}, { ...env, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0, ...o });
    api = await startServer(config({}), createLogger('silent'));
    // A second API on the same back end whose results live one second.
    shortLived = await startServer(config({ RESULT_TTL_SECONDS: 1 }), createLogger('silent'));
    if (mode === 'redis') worker = await startWorkerProcess({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
    logo = await smallLogo(120, mode === 'redis' ? '#225522' : '#552222');
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await api?.shutdown();
    await shortLived?.shutdown();
    if (mode === 'redis') await dropPrefix(SHARED_REDIS_URL, prefix);
  });

  const agent = (server = api) => request(`http://127.0.0.1:${server.port}`);

  it('answers the format option with its media type, a file name with its extension and the result id', async () => {
    const res = await agent().post('/api/convert?format=pdf').attach('image', logo, 'my logo.png').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('inline; filename="my_logo.pdf"');
    expect(res.headers['x-svg-ai-result-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(res.headers['x-svg-ai-ssim'])).toBeGreaterThan(0.95);
    expect((res.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.each([
    ['application/postscript', 'application/postscript', '%!PS-Adobe-3.0 EPSF-3.0', 'eps'],
    ['image/vnd.dxf', 'image/vnd.dxf', '0\nSECTION\n', 'dxf'],
    ['image/png', 'image/png', '\x89PNG', 'png'],
    ['image/svg+xml', 'image/svg+xml; charset=utf-8', '<svg', 'svg'],
  ])('chooses the format from Accept: %s', async (accept, type, start, extension) => {
    const res = await agent().post('/api/convert').set('Accept', accept).attach('image', logo, 'logo.png').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['content-disposition']).toMatch(new RegExp(`filename="logo\\.${extension}"$`));
    expect((res.body as Buffer).toString('latin1').startsWith(start)).toBe(true);
    expect(res.headers['x-svg-ai-result-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses with 406 NOT_ACCEPTABLE when Accept names nothing it writes', async () => {
    const res = await agent().post('/api/convert').set('Accept', 'image/jpeg, text/html').attach('image', logo, 'logo.png');
    expectProblem(res, 406, 'NOT_ACCEPTABLE');
  });

  it('puts resultId in the JSON answer, the same as the header; GET /api/results/{id} re-exports without tracing', async () => {
    const res = await agent().post('/api/convert').set('Accept', 'application/json').attach('image', logo, 'logo.png');
    expect(res.status).toBe(200);
    const id = res.body.resultId as string;
    expect(id).toBe(res.headers['x-svg-ai-result-id']);
    expect(res.body.resultUrl).toBe(`/api/results/${id}`);

    const before = { conversions: await counterValue('svgai_conversions_total'), lookups: await counterValue('svgai_cache_requests_total') };
    const png = await agent().get(`/api/results/${id}?format=png&width=2&unit=in&dpi=60`).buffer(true).parse(binary);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(await sharp(png.body as Buffer).metadata()).toMatchObject({ width: 120, height: 120 });
    const svg = await agent().get(`/api/results/${id}?width=50&unit=mm`).buffer(true).parse(binary);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect((svg.body as Buffer).toString()).toMatch(/^<svg[^>]* width="50mm" height="50mm" viewBox="0 0 (120|1200|12000) \1"/);
    const dxf = await agent().get(`/api/results/${id}`).set('Accept', 'image/vnd.dxf').buffer(true).parse(binary);
    expect(dxf.headers['content-type']).toBe('image/vnd.dxf');
    expect(dxf.headers['x-svg-ai-result-id']).toBe(id);
    // Nothing traced, nothing looked up in the conversion cache (in this process: the API's metrics).
    expect(await counterValue('svgai_conversions_total')).toBe(before.conversions);
    expect(await counterValue('svgai_cache_requests_total')).toBe(before.lookups);
  });

  it('refuses trace options on re-export and unknown ids with a sentence', async () => {
    const res = await agent().post('/api/convert').attach('image', logo, 'logo.png');
    const id = res.headers['x-svg-ai-result-id'];
    expectProblem(await agent().get(`/api/results/${id}?tier=2`), 400, 'INVALID_OPTIONS');
    expectProblem(await agent().get(`/api/results/${'0'.repeat(32)}`), 404, 'RESULT_NOT_FOUND');
    expectProblem(await agent().get(`/api/results/not-an-id`), 404, 'RESULT_NOT_FOUND');
  });

  it('answers 404 RESULT_NOT_FOUND once RESULT_TTL_SECONDS have passed', async () => {
    const other = await smallLogo(100, '#123456');
    const res = await agent(shortLived).post('/api/convert').attach('image', other, 'logo.png');
    expect(res.status).toBe(200);
    const id = res.headers['x-svg-ai-result-id'];
    const gone = await waitFor('the result to expire', async () => {
      const r = await agent(shortLived).get(`/api/results/${id}`);
      return r.status === 404 ? r : undefined;
    }, 15_000, 200);
    expectProblem(gone, 404, 'RESULT_NOT_FOUND');
    expect(gone.body.detail).toMatch(/kept 1 s after their conversion; send the image again/);
  });

  it('an async job reports its result id once completed, and the id re-exports', async () => {
    const other = await smallLogo(90, '#654321');
    const submitted = await agent().post('/api/convert?async=1').attach('image', other, 'logo.png');
    expect(submitted.status).toBe(202);
    const done = await waitFor('the job', async () => {
      const r = await agent().get(submitted.body.statusUrl);
      return r.body.state === 'completed' ? r : undefined;
    }, 30_000);
    expect(done.body.resultId).toMatch(/^[0-9a-f]{32}$/);
    expect(done.headers['x-svg-ai-result-id']).toBe(done.body.resultId);
    const eps = await agent().get(`/api/results/${done.body.resultId}?format=eps`).buffer(true).parse(binary);
    expect(eps.status).toBe(200);
    expect(eps.headers['content-disposition']).toBe('attachment; filename="result.eps"');
  });
}

describe('export over HTTP, embedded mode', () => suite('embedded'));
describe('export over HTTP, production mode (Redis + a worker process)', () => suite('redis'));
