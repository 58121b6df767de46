/** POST /api/convert as the HTTP contract describes it: answers, headers, options, refusals. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterValue, makeService, smallLogo } from './helpers/service.js';

const service = makeService();
const { app } = service;
let logo: Buffer;

beforeAll(async () => {
  logo = await smallLogo();
});
afterAll(() => service.close());

const expectProblem = (res: request.Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
  expect(typeof res.body.title).toBe('string');
  expect(res.body.detail).toMatch(/\w+ \w+/);
  expect(JSON.stringify(res.body)).not.toMatch(/\/work\/|node_modules|at .*\(/);
};

describe('POST /api/convert answers', () => {
  it('a multipart upload with an SVG and the X-SVG-AI headers', async () => {
    const res = await request(app).post('/api/convert').attach('image', logo, 'logo.png');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['x-svg-ai-tier']).toBe('1');
    expect(res.headers['x-svg-ai-engine']).toMatch(/^(potrace|imagetracer|vtracer)$/);
    expect(res.headers['x-svg-ai-ssim']).toMatch(/^(0\.\d{4}|1\.0000)$/);
    expect(Number(res.headers['x-svg-ai-ssim'])).toBeGreaterThan(0.95);
    expect(Number(res.headers['x-svg-ai-duration-ms'])).toBeGreaterThanOrEqual(0);
    expect(res.headers['x-svg-ai-cache']).toMatch(/^(hit|miss)$/);
    const svg = res.body.toString();
    expect(svg).toMatch(/^<svg[^>]* width="128" height="128"/);
  });

  it('a raw image/* body the same way, and the second time from the cache', async () => {
    const other = await smallLogo(96, '#b01010');
    const first = await request(app).post('/api/convert').set('Content-Type', 'image/png').send(other);
    expect(first.status).toBe(200);
    expect(first.headers['x-svg-ai-cache']).toBe('miss');
    const second = await request(app).post('/api/convert').set('Content-Type', 'image/png').send(other);
    expect(second.headers['x-svg-ai-cache']).toBe('hit');
    expect(second.body.toString()).toBe(first.body.toString());
    expect(second.headers['x-svg-ai-ssim']).toBe(first.headers['x-svg-ai-ssim']);
  });

  it('JSON with the SVG, the facts and the classification features for Accept: application/json', async () => {
    const res = await request(app).post('/api/convert').set('Accept', 'application/json').attach('image', logo, 'logo.png');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ tier: 1, width: 128, height: 128, format: 'png', targetMet: true });
    expect(res.body.svg).toMatch(/^<svg/);
    expect(res.body.features).toHaveProperty('c95');
    expect(res.body.ssim).toBe(Number(res.headers['x-svg-ai-ssim']));
  });

  it('honours tier and engine overrides', async () => {
    const res = await request(app).post('/api/convert?tier=3&engine=imagetracer').attach('image', logo, 'logo.png');
    expect(res.status).toBe(200);
    expect(res.headers['x-svg-ai-tier']).toBe('3');
    expect(res.headers['x-svg-ai-engine']).toBe('imagetracer');
    const form = await request(app).post('/api/convert').field('engine', 'vtracer').attach('image', logo, 'logo.png');
    expect(form.headers['x-svg-ai-engine']).toBe('vtracer');
  });
});

describe('POST /api/convert refuses (rows 22, 24, 25)', () => {
  it.each([
    ['tier=4', 'tier'],
    ['max_colors=NaN', 'max_colors'],
    ['max_colors=-1', 'max_colors'],
    ['max_colors=1e9', 'max_colors'],
    ['quality=2', 'quality'],
    ['colour=3', 'option name'],
    ['tier=1&tier=2', 'tier'],
  ])('bad option %s with 400 "Expected ... but received ..."', async (query, name) => {
    const res = await request(app).post(`/api/convert?${query}`).attach('image', logo, 'logo.png');
    expectProblem(res, 400, 'INVALID_OPTIONS');
    expect(res.body.detail).toMatch(new RegExp(`^Expected .+ ${name} but received .+`));
  });

  it('GET with 405 and an Allow header', async () => {
    const res = await request(app).get('/api/convert');
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST');
  });

  it('a text/plain body with 415, JSON without an image with 400, no body with 400', async () => {
    expectProblem(await request(app).post('/api/convert').set('Content-Type', 'text/plain').send('hello'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await request(app).post('/api/convert').send({ image: 'aGVsbG8=' }), 400, 'MISSING_IMAGE');
    expectProblem(await request(app).post('/api/convert'), 400, 'MISSING_IMAGE');
  });

  it('image bytes without a Content-Type with 400 MISSING_IMAGE (the type of a body is never guessed)', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      // fetch sends no Content-Type for a bare byte array.
      const res = await fetch(`http://127.0.0.1:${port}/api/convert`, { method: 'POST', body: new Uint8Array(logo) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('MISSING_IMAGE');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('multipart abuse with 400 and the reason', async () => {
    expectProblem(
      await request(app).post('/api/convert').attach('image', logo, 'a.png').attach('image', logo, 'b.png'),
      400,
      'INVALID_MULTIPART',
    );
    expectProblem(await request(app).post('/api/convert').attach('file', logo, 'a.png'), 400, 'INVALID_MULTIPART');
    const many = request(app).post('/api/convert');
    for (let i = 0; i < 1000; i++) many.field(`f${i}`, 'x');
    expectProblem(await many.attach('image', logo, 'a.png'), 400, 'INVALID_MULTIPART');
    expectProblem(await request(app).post('/api/convert').field('tier', 'x'.repeat(100_000)).attach('image', logo, 'a.png'), 400, 'INVALID_MULTIPART');
    expectProblem(await request(app).post('/api/convert').set('Content-Type', 'multipart/form-data').send('--x\r\n'), 400, 'INVALID_MULTIPART');
    expectProblem(await request(app).post('/api/convert').field('tier', '1'), 400, 'MISSING_IMAGE');
  });

  it('an unknown path with a 404 problem', async () => {
    expectProblem(await request(app).get('/nope'), 404, 'NOT_FOUND');
    expectProblem(await request(app).delete('/api/nope/x'), 404, 'NOT_FOUND');
  });
});

describe('every known path asked with a method it does not take', () => {
  const batch = '00000000-0000-4000-8000-000000000000';
  it.each([
    ['get', '/api/convert', 'POST'],
    ['put', '/api/convert', 'POST'],
    ['get', '/api/batch', 'POST'],
    ['delete', '/api/batch', 'POST'],
    ['delete', '/api/jobs/x', 'GET, HEAD'],
    ['post', '/api/jobs/x/svg', 'GET, HEAD'],
    ['delete', `/api/batch/${batch}`, 'GET, HEAD'],
    ['post', `/api/batch/${batch}/archive`, 'GET, HEAD'],
    ['put', `/api/batch/${batch}/items/0/svg`, 'GET, HEAD'],
    ['post', '/health', 'GET, HEAD'],
    ['delete', '/ready', 'GET, HEAD'],
    ['post', '/metrics', 'GET, HEAD'],
    ['delete', '/api/results/x', 'GET, HEAD'],
  ] as const)('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    const res = await request(app)[method](path);
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe(allow);
    expect(res.body.detail).toBe(`${method.toUpperCase()} is not allowed on ${path}; it takes ${allow}.`);
  });
});

describe('the same image sent 20 times at once (row 28)', () => {
  it('is traced once and every caller gets the same SVG', async () => {
    const image = await smallLogo(160, '#0a7a3a');
    const before = await counterValue('svgai_conversions_total');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => request(app).post('/api/convert').set('Content-Type', 'image/png').send(image)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.body.toString())).size).toBe(1);
    expect((await counterValue('svgai_conversions_total')) - before).toBe(1);
  });
});

describe('GET /health, /ready and /metrics', () => {
  it('answer', async () => {
    expect((await request(app).get('/health')).body).toEqual({ status: 'ok' });
    // /ready waits for every trace thread to warm up (the spare's warm-up can outlast the tests
    // above on a loaded machine): ask as a load balancer does, until it says ready.
    let ready = await request(app).get('/ready');
    for (const end = Date.now() + 60_000; ready.status !== 200 && Date.now() < end; ready = await request(app).get('/ready')) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready.body).toMatchObject({ status: 'ready', mode: 'embedded' });
    const metrics = await request(app).get('/metrics');
    expect(metrics.status).toBe(200);
    for (const name of [
      'svgai_http_request_duration_seconds',
      'svgai_conversions_total',
      'svgai_conversion_duration_seconds',
      'svgai_ssim',
      'svgai_svg_bytes',
      'svgai_queue_jobs',
      'svgai_cache_requests_total',
      'svgai_rejected_total',
      'svgai_rate_limited_total',
      'svgai_nodejs_eventloop_lag_seconds',
    ]) {
      expect(metrics.text).toContain(`# TYPE ${name}`);
    }
    expect(metrics.text).toMatch(/svgai_rejected_total\{code="INVALID_OPTIONS"\} [1-9]/);
  }, 90_000);
});
