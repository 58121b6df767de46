/** POST /api/batch and its status, items and archive, in both modes. */
import { readFile } from 'node:fs/promises';
import { strFromU8, unzipSync } from 'fflate';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { dropPrefix, SHARED_REDIS_URL, startWorkerProcess, stopProcess, uniquePrefix, waitFor, type WorkerProcess } from './helpers/redis.js';
import { smallLogo } from './helpers/service.js';

let fixtures: FixtureIndex;
beforeAll(async () => {
  fixtures = await ensureFixtures();
});

interface BatchStatus {
  done: boolean;
  total: number;
  converted: number;
  failed: number;
  items: { index: number; file: string; status: string; tier?: number; ssim?: number; bytes?: number; error?: string; svgUrl?: string }[];
}

/**
 * form-data keeps folders in a part's filename only through its `filepath` option, which
 * superagent passes through but does not declare.
 */
const withFolders = (filepath: string) => ({ filepath }) as { filename?: string };

function suite(mode: 'embedded' | 'redis') {
  const prefix = uniquePrefix(`batch-${mode}`);
  const redisEnv: Partial<Config> = mode === 'redis' ? { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix } : {};
  let api: RunningServer;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    api = await startServer(
      loadConfig({}, { ...redisEnv, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0, BATCH_MAX_FILES: 6, BATCH_MAX_BYTES: 2 * 1024 * 1024 }),
      createLogger('silent'),
    );
    if (mode === 'redis') worker = await startWorkerProcess({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await api?.shutdown();
    if (mode === 'redis') await dropPrefix(SHARED_REDIS_URL, prefix);
  });

  const agent = () => request(`http://127.0.0.1:${api.port}`);

  it('accepts a folder of images, reports bad files, converts the rest, and serves each SVG and a zip', async () => {
    const res = await agent()
      .post('/api/batch?tier=auto')
      // `filepath` keeps folders in the part's filename, as a browser's folder upload does.
      .attach('images', await readFile(fixtures['logo-2c'].file), withFolders('icons/logo.png'))
      .attach('images', await smallLogo(96, '#aa3300'), withFolders('icons/nested/dot.png'))
      .attach('images', Buffer.from('not an image'), 'notes.png')
      .attach('images', await readFile(fixtures['flat-art'].file), withFolders('../../etc/art.png'));
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/api/batch/${res.body.id}`);
    expect(res.body).toMatchObject({ total: 4, accepted: 3 });
    expect(res.body.refused).toEqual([expect.objectContaining({ index: 2, name: 'notes.png', code: 'UNSUPPORTED_TYPE' })]);

    const status = await waitFor('batch done', async () => {
      const s = (await agent().get(res.headers.location!)).body as BatchStatus;
      return s.done ? s : undefined;
    });
    expect(status).toMatchObject({ total: 4, converted: 3, failed: 1 });
    expect(status.items.map((i) => i.file)).toEqual(['icons/logo.png', 'icons/nested/dot.png', 'notes.png', 'etc/art.png']);
    expect(status.items[2]).toMatchObject({ status: 'failed', error: 'UNSUPPORTED_TYPE' });
    expect(status.items[0]).toMatchObject({ status: 'converted', tier: 1 });

    const svg = await agent().get(status.items[0]!.svgUrl!);
    expect(svg.status).toBe(200);
    expect(svg.headers['x-svg-ai-tier']).toBe('1');

    const zip = await agent().get(`${res.headers.location}/archive`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(zip.headers['content-type']).toBe('application/zip');
    const entries = unzipSync(new Uint8Array(zip.body as Buffer));
    expect(Object.keys(entries).sort()).toEqual(['report.csv', 'report.json', 'svg/etc/art.svg', 'svg/icons/logo.svg', 'svg/icons/nested/dot.svg']);
    const report = JSON.parse(strFromU8(entries['report.json']!)) as { summary: { converted: number; failed: number } };
    expect(report.summary).toMatchObject({ converted: 3, failed: 1 });
    expect(strFromU8(entries['report.csv']!).split('\n')[0]).toBe('file,status,tier,engine,ssim,ms,bytes,error,reason');
    expect(strFromU8(entries['svg/icons/logo.svg']!)).toMatch(/^<svg/);
  });

  it('refuses too many files and too many bytes with 413 BATCH_TOO_LARGE, and nothing is queued', async () => {
    const logo = await smallLogo(32);
    const many = agent().post('/api/batch');
    for (let i = 0; i < 7; i++) many.attach('images', logo, `l${i}.png`);
    const tooMany = await many;
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.code).toBe('BATCH_TOO_LARGE');
    const big = await agent().post('/api/batch').attach('images', Buffer.alloc(3 * 1024 * 1024, 1), 'big.png');
    expect(big.status).toBe(413);
    const counts = await api.converter.counts();
    expect(counts.waiting + counts.active).toBe(0);
  });

  it('answers an unknown batch with 404, no files with 400, a non-multipart body with 415', async () => {
    expect((await agent().get('/api/batch/00000000-0000-4000-8000-000000000000')).body.code).toBe('BATCH_NOT_FOUND');
    expect((await agent().post('/api/batch').field('tier', '1')).body.code).toBe('MISSING_IMAGE');
    expect((await agent().post('/api/batch').set('Content-Type', 'image/png').send(Buffer.alloc(10))).status).toBe(415);
  });

  it('names the batch field "images" when the files come in another field', async () => {
    const res = await agent().post('/api/batch').attach('image', await smallLogo(32), 'a.png');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_MULTIPART');
    expect(res.body.detail).toBe('Send a batch\'s files in form fields named "images"; this form has a file in "image".');
  });

  it('answers the archive of an unfinished batch with 409 JOB_NOT_FINISHED, and with ?wait=1 waits for every SVG', async () => {
    const res = await agent()
      .post('/api/batch')
      .attach('images', await readFile(fixtures['flat-art'].file), 'art.png')
      .attach('images', await readFile(fixtures['photo-like'].file), 'photo.jpg')
      .attach('images', await smallLogo(80, '#225511'), 'logo.png');
    expect(res.status).toBe(202);
    // Asked at once, before three conversions can have finished.
    const early = await agent().get(`${res.headers.location}/archive`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('JOB_NOT_FINISHED');
    expect(early.headers['retry-after']).toBe('1');
    expect(early.body.detail).toMatch(/^The batch is not finished: [1-3] of 3 items are still waiting or active/);
    expect((await agent().get(`${res.headers.location}/archive?wait=maybe`)).body.code).toBe('INVALID_OPTIONS');

    const zip = await agent()
      .get(`${res.headers.location}/archive?wait=1`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(zip.status, String(zip.body).slice(0, 400)).toBe(200);
    const entries = unzipSync(new Uint8Array(zip.body as Buffer));
    // Every item has ended, and every converted one is in the zip (a loaded machine may fail one on its deadline).
    const report = JSON.parse(strFromU8(entries['report.json']!)) as { summary: { pending: number }; items: { file: string; status: string }[] };
    expect(report.summary.pending).toBe(0);
    expect(report.items.map((i) => i.status).every((s) => s === 'converted' || s === 'failed')).toBe(true);
    const converted = report.items.filter((i) => i.status === 'converted').map((i) => `svg/${i.file.replace(/\.[^.]+$/, '.svg')}`);
    expect(Object.keys(entries).sort()).toEqual(['report.csv', 'report.json', ...converted].sort());
  });
}

describe('batches, embedded mode', () => suite('embedded'));
describe('batches, production mode (Redis + a worker process)', () => suite('redis'));

describe('a batch that does not fit the queue', () => {
  for (const mode of ['embedded', 'redis'] as const) {
    it(`gets 429 QUEUE_FULL with Retry-After before anything is queued (${mode})`, async () => {
      // No worker in production mode: jobs would wait, so what is queued stays countable.
      const prefix = uniquePrefix(`batchfull-${mode}`);
      const redisEnv: Partial<Config> = mode === 'redis' ? { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix } : {};
      const api = await startServer(
        loadConfig({}, { ...redisEnv, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0, QUEUE_MAX_PENDING: 2 }),
        createLogger('silent'),
      );
      try {
        const three = request(`http://127.0.0.1:${api.port}`).post('/api/batch');
        for (let i = 0; i < 3; i++) three.attach('images', await smallLogo(40 + i * 4, '#7a1f2b'), `full-${i}.png`);
        const refused = await three;
        expect(refused.status, JSON.stringify(refused.body)).toBe(429);
        expect(refused.body.code).toBe('QUEUE_FULL');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        const counts = await api.converter.counts();
        expect(counts.waiting + counts.active).toBe(0);
        // Two fit: the same queue takes them.
        const two = request(`http://127.0.0.1:${api.port}`).post('/api/batch');
        for (let i = 0; i < 2; i++) two.attach('images', await smallLogo(60 + i * 4, '#7a1f2b'), `fits-${i}.png`);
        expect((await two).status).toBe(202);
      } finally {
        await api.shutdown();
        if (mode === 'redis') await dropPrefix(SHARED_REDIS_URL, prefix);
      }
    }, 60_000);
  }
});
