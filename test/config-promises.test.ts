/**
 * README promises about settings, each against the real thing: the built entry points as child
 * processes (exit status, shutdown drain) and the real app and trace threads (TRACE_MAX_SIDE,
 * MAX_SVG_BYTES).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startApiProcess, stopProcess, waitFor } from './helpers/redis.js';
import { makeService } from './helpers/service.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function exitOf(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('bad configuration', () => {
  it('makes the API and the worker exit with status 2, naming every bad setting at once', async () => {
    const env = { PORT: 'eighty', TRACE_MAX_SIDE: '3', REDIS_URL: 'redis://127.0.0.1:1' };
    for (const args of [['dist/main.js'], ['dist/cli/index.js', 'worker']]) {
      const { code, stderr } = await exitOf(args, env);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
      expect(stderr).toMatch(/PORT/);
      expect(stderr).toMatch(/TRACE_MAX_SIDE/);
    }
  }, 60_000);
});

/** Mean RGB of a square of an RGB(A) raw buffer. */
function meanOf(data: Uint8Array, width: number, channels: number, x0: number, y0: number, side: number): number {
  let sum = 0;
  for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) for (let c = 0; c < 3; c++) sum += data[(y * width + x) * channels + c]!;
  return sum / (side * side * 3);
}

describe('TRACE_MAX_SIDE and MAX_SVG_BYTES', () => {
  const small = makeService({ TRACE_MAX_SIDE: 64 });
  const tiny = makeService({ MAX_SVG_BYTES: 1024 });
  afterAll(async () => {
    await small.close();
    await tiny.close();
  });

  // Black dots 3 px wide on a white field beside one large disc: at 1/8 scale each dot is under
  // half a pixel and vanishes from the trace; traced at full size the dots are kept.
  const dots: string[] = [];
  for (let y = 8; y < 200; y += 24) for (let x = 8; x < 504; x += 24) dots.push(`<rect x="${x}" y="${y}" width="3" height="3"/>`);
  const dotted = () =>
    sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><rect width="100%" height="100%" fill="#fff"/><circle cx="256" cy="380" r="110"/>${dots.join('')}</svg>`))
      .png()
      .toBuffer();

  it('TRACE_MAX_SIDE: a 512 px logo traced at 64 px loses its 3 px dots (scored at full size), though its size stays', async () => {
    const png = await dotted();
    const res = await request(small.app).post('/api/convert').set('Content-Type', 'image/png').send(png);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const svg = res.body.toString();
    expect(svg).toMatch(/^<svg[^>]* width="512" height="512"/);
    const rendered = new Resvg(svg, { background: '#ffffff', fitTo: { mode: 'width', value: 512 } }).render();
    const px = rendered.pixels;
    // The disc (traced) is dark; the dot rows are white, apart from at most a faint smudge.
    expect(meanOf(px, 512, 4, 236, 360, 40)).toBeLessThan(60);
    let darkDots = 0;
    for (let y = 8; y < 200; y += 24) for (let x = 8; x < 504; x += 24) if (meanOf(px, 512, 4, x, y, 3) < 128) darkDots++;
    expect(darkDots, 'dots traced: the trace was not limited to 64 px').toBeLessThan(dots.length / 10);
  }, 120_000);

  it('MAX_SVG_BYTES: a trace larger than the limit is refused as 422 TOO_COMPLEX', async () => {
    // A checkerboard of 32 px squares: 128 black squares, so even the coarsest trace keeps every
    // square and is several KB, over the 1 KiB limit.
    const squares: string[] = [];
    for (let y = 0; y < 16; y++) for (let x = y % 2; x < 16; x += 2) squares.push(`<rect x="${x * 32}" y="${y * 32}" width="32" height="32"/>`);
    const board = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><rect width="100%" height="100%" fill="#fff"/>${squares.join('')}</svg>`))
      .png()
      .toBuffer();
    const res = await request(tiny.app).post('/api/convert').set('Content-Type', 'image/png').send(board);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.code).toBe('TOO_COMPLEX');
    expect(res.body.detail).toMatch(/limit/);
  }, 120_000);
});

function getStatus(base: string, route: string): Promise<number> {
  // A fresh connection each time (no keep-alive agent): that is what "still accepting" means.
  return new Promise((resolve, reject) => {
    http.get(`${base}${route}`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).once('error', reject);
  });
}

describe('SHUTDOWN_DRAIN_MS', () => {
  it('after SIGTERM, /ready turns 503 while new connections are still accepted for the drain, then the API exits 0', async () => {
    const api = await startApiProcess({ SHUTDOWN_DRAIN_MS: '4000' });
    try {
      expect(await getStatus(api.base, '/ready')).toBe(200);
      api.child.kill('SIGTERM');
      await waitFor('/ready to answer 503', async () => (await getStatus(api.base, '/ready')) === 503, 3000, 50);
      // Still inside the drain: fresh connections are served.
      expect(await getStatus(api.base, '/health')).toBe(200);
      expect(await getStatus(api.base, '/ready')).toBe(503);
      expect(await api.exited).toBe(0);
    } finally {
      await stopProcess(api, 'SIGKILL');
    }
  }, 90_000);
});
