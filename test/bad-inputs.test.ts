/**
 * Every generated fixture (reliability rows 3-21 and the good images) through the real HTTP route:
 * the expected status and code, and the service still answering /health afterwards.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, HOSTILE_FILENAMES, type Fixture, type FixtureIndex } from './fixtures/index.js';
import { counterValue, makeService, smallLogo } from './helpers/service.js';

// The fixtures were made against the default limits (40 MP, 8192 px per side, 1000 frames).
const service = makeService();
let fixtures: FixtureIndex;

beforeAll(async () => {
  fixtures = await ensureFixtures();
}, 120_000);
afterAll(() => service.close());

async function send(fixture: Fixture): Promise<request.Response> {
  const bytes = await readFile(fixture.file);
  return request(service.app)
    .post('/api/convert')
    .set('Accept', 'application/json')
    .attach('image', bytes, { filename: fixture.filename ?? path.basename(fixture.file), contentType: fixture.contentType ?? 'application/octet-stream' });
}

describe('every fixture gets its expected answer and leaves the service serving', async () => {
  const index = await ensureFixtures();
  it.each(Object.keys(index))('%s', async (name) => {
    const fixture = fixtures[name as keyof FixtureIndex] as Fixture;
    const before = fixture.expect.code ? await counterValue('svgai_rejected_total', { code: fixture.expect.code }) : 0;
    const res = await send(fixture);
    const allowed = [fixture.expect, ...(fixture.expect.alt ? [fixture.expect.alt] : [])];
    const matched = allowed.find((e) => e.status === res.status && (e.code === undefined || e.code === res.body.code));
    expect(matched, `${name}: got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toBeDefined();
    if (res.status === 200) {
      expect(res.body.svg).toMatch(/^<svg/);
      expect(res.body.svg).not.toMatch(/<image|<script|href=|data:/i);
      for (const marker of fixture.payloadMarkers ?? []) expect(res.body.svg).not.toContain(marker);
      if (fixture.uprightWidth) {
        expect([res.body.width, res.body.height]).toEqual([fixture.uprightWidth, fixture.uprightHeight]);
      }
      // libvips reads an APNG as a still PNG (its first frame), so only GIF and WebP report frames.
      if (fixture.frames && fixture.frames > 1 && fixture.format !== 'png') expect(res.body.frames).toBe(fixture.frames);
    } else {
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).not.toMatch(/\/work\/|node_modules|Error:|at .+:\d+/);
      expect(await counterValue('svgai_rejected_total', { code: res.body.code })).toBe(before + (matched?.code === res.body.code ? 1 : 0));
    }
    expect((await request(service.app).get('/health')).status).toBe(200);
  });
});

describe('hostile file names (row 23)', () => {
  it.each(HOSTILE_FILENAMES.map((n) => [JSON.stringify(n).slice(0, 40), n]))('%s is processed normally and never echoed', async (_label, filename) => {
    // `filepath` is sent as it is (form-data reduces `filename` to its last path segment).
    const res = await request(service.app).post('/api/convert').attach('image', await smallLogo(48), { filepath: filename, contentType: 'image/png' } as unknown as { contentType: string });
    if (filename.includes('\0')) {
      // A raw NUL inside a MIME part header is malformed framing; the parser refuses it with a reason.
      expect([200, 400]).toContain(res.status);
      if (res.status === 400) expect(res.body.code).toBe('INVALID_MULTIPART');
    } else {
      expect(res.status).toBe(200);
    }
    expect(res.headers['x-injected']).toBeUndefined();
    expect(JSON.stringify(res.headers)).not.toContain('passwd');
  });
});
