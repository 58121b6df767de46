/** draw_style=centerline through POST /api/convert: traced in a worker thread, scored, refused when not line art. */
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
import { grid, random, render, scribble } from './fixtures/line-art.js';
import { makeService } from './helpers/service.js';

// Generous deadlines and queue wait: warming a thread counts against the first conversion, and this machine is shared.
const service = makeService({ DEADLINE_TIER1_MS: 120000, DEADLINE_TIER2_MS: 120000, DEADLINE_TIER3_MS: 120000, QUEUE_WAIT_MS: 240000, REQUEST_TIMEOUT_MS: 300000 });
const { app } = service;
let drawing: Buffer;
let photo: Buffer;

beforeAll(async () => {
  const art = render('api', { width: 400, height: 300 }, [
    { drawing: scribble(2, 400, 300, 3), colour: '#000' },
    { drawing: grid(400, 300, 3), colour: '#000' },
  ], 4, '#fff');
  drawing = await sharp(art.image.data, { raw: { width: 400, height: 300, channels: 4 } }).png().toBuffer();
  const rnd = random(9);
  const data = Buffer.alloc(200 * 150 * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(60 + 100 * Math.sin(i / 997) + rnd() * 80);
  photo = await sharp(data, { raw: { width: 200, height: 150, channels: 3 } }).jpeg().toBuffer();
});
afterAll(() => service.close());

describe('POST /api/convert?draw_style=centerline', () => {
  it('answers single strokes with the same facts as any answer, and the pen-up travel before and after ordering', async () => {
    const res = await request(app)
      .post('/api/convert?draw_style=centerline')
      .set('Accept', 'application/json')
      .attach('image', drawing, 'drawing.png');
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    expect(res.body).toMatchObject({ engine: 'centerline', width: 400, height: 300, format: 'png' });
    expect([1, 2, 3]).toContain(res.body.tier);
    expect(res.body.ssim).toBeGreaterThanOrEqual(0.93);
    expect(res.body.timings).toHaveProperty('trace');
    const svg: string = res.body.svg;
    assertSafeSvg(svg);
    expect(svg).toMatch(/<g fill="none" stroke="#000" stroke-linecap="round" stroke-linejoin="round" stroke-width="[\d.]+">/);
    expect(svg).not.toMatch(/fill="#/);
    const c = res.body.centerline;
    expect(c.strokes).toBeGreaterThanOrEqual(6);
    expect(c.penUpTravel.after).toBeLessThanOrEqual(c.penUpTravel.before);
    expect(c.inks[0].width).toBeGreaterThan(3.4);
    expect(c.inks[0].width).toBeLessThan(4.6);
  });

  it('takes stroke_width and stroke_color, and a different option is a different result (not the cached one)', async () => {
    const res = await request(app)
      .post('/api/convert?draw_style=centerline&stroke_width=2&stroke_color=%23ff0000')
      .attach('image', drawing, 'drawing.png');
    expect(res.status).toBe(200);
    expect(res.headers['x-svg-ai-engine']).toBe('centerline');
    const svg = res.body.toString();
    expect(svg).toContain('stroke="#f00"');
    // Widths are in user units: the viewBox's units per pixel of the document's width.
    const root = /<svg [^>]*width="([\d.]+)"[^>]*viewBox="0 0 ([\d.]+) /.exec(svg)!;
    const perPixel = Number(root[2]) / Number(root[1]);
    const widths = [...svg.matchAll(/stroke-width="([^"]*)"/g)].map((m) => Number(m[1]) / perPixel);
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w === 2), `widths ${widths.join(', ')}`).toBe(true);
  });

  it('refuses a photo with 422 NOT_LINE_ART and a sentence', async () => {
    const res = await request(app).post('/api/convert?draw_style=centerline').attach('image', photo, 'photo.jpg');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, code: 'NOT_LINE_ART' });
    expect(res.body.detail).toMatch(/^Centerline tracing needs line art .*draw_style=fill/);
  });

  it('the same photo without draw_style is traced as usual', async () => {
    const res = await request(app).post('/api/convert').attach('image', photo, 'photo.jpg');
    expect(res.status).toBe(200);
  });
});
