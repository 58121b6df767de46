/**
 * Every generated fixture (reliability rows 3-21 and the good images) through the real HTTP route:
 * the expected status and code, and the service still answering /health afterwards.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
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

/** The SVG rendered by resvg at its own size, white behind, as RGBA. */
function render(svg: string): { data: Uint8Array; width: number; height: number } {
  const image = new Resvg(svg, { background: '#ffffff' }).render();
  return { data: image.pixels, width: image.width, height: image.height };
}

/** Mean RGB of a rectangle of an RGBA (or RGB, by `channels`) buffer. */
function meanRgb(data: Uint8Array, width: number, channels: number, x0: number, y0: number, w: number, h: number): number[] {
  const sum = [0, 0, 0];
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) for (let c = 0; c < 3; c++) sum[c]! += data[(y * width + x) * channels + c]!;
  return sum.map((v) => v / (w * h));
}

const distance = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

/** The orientation fixtures' upright picture (scripts/make-fixtures.ts): red, green / white, blue. */
const QUADRANTS = { 'top-left': [224, 32, 32], 'top-right': [32, 160, 64], 'bottom-left': [255, 255, 255], 'bottom-right': [32, 64, 192] };

/** Each quadrant's centre, rendered, is nearest its upright colour: a mirror or a turn left out fails. */
async function expectUprightQuadrants(svg: string, width: number, height: number): Promise<void> {
  const { data, width: w, height: h } = render(svg);
  expect([w, h]).toEqual([width, height]);
  const side = Math.floor(Math.min(w, h) / 6);
  for (const [name, want] of Object.entries(QUADRANTS)) {
    const cx = name.endsWith('left') ? w / 4 : (3 * w) / 4;
    const cy = name.startsWith('top') ? h / 4 : (3 * h) / 4;
    const got = meanRgb(data, w, 4, Math.round(cx - side / 2), Math.round(cy - side / 2), side, side);
    const nearest = Object.entries(QUADRANTS).sort((a, b) => distance(got, a[1]) - distance(got, b[1]))[0]![0];
    expect(nearest, `${name} rendered as ${got.map(Math.round).join(',')}`).toBe(name);
  }
}

/** CMYK fixtures: the render's colours in a 4x4 grid are close to the sRGB reference's (an inverted decode is far). */
async function expectColoursOf(svg: string, referenceFile: string): Promise<void> {
  const { data, width, height } = render(svg);
  const ref = await sharp(referenceFile).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const cw = Math.floor(width / 4);
  const ch = Math.floor(height / 4);
  let worst = 0;
  for (let gy = 0; gy < 4; gy++) {
    for (let gx = 0; gx < 4; gx++) {
      const a = meanRgb(data, width, 4, gx * cw, gy * ch, cw, ch);
      const b = meanRgb(ref, width, 3, gx * cw, gy * ch, cw, ch);
      worst = Math.max(worst, distance(a, b));
    }
  }
  expect(worst, 'largest mean-colour difference of a grid cell, 0-255').toBeLessThan(40);
}

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
      if (fixture.orientation) await expectUprightQuadrants(res.body.svg as string, res.body.width as number, res.body.height as number);
      if (fixture.reference) await expectColoursOf(res.body.svg as string, fixture.reference);
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
