/**
 * nginx.conf, run by the real nginx (Debian package) in front of real API processes (`node dist/main.js`):
 * a copy with only the ports, upstream servers and file paths changed (test/ops/support.ts).
 */
import net from 'node:net';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { bigBody, ensureFixtures, paddedPng, type FixtureIndex } from '../fixtures/index.js';
import { requirePrograms } from '../helpers/programs.js';
import { startApiProcess, stopProcess, waitFor, type ApiProcess } from '../helpers/redis.js';
import { metricValue, rawRequest, repoFile, startNginx, type RunningNginx } from './support.js';

const conf = repoFile('nginx.conf');
const locationBlock = (route: string) => new RegExp(`location ~\\* \\^/api/${route}[^{]*\\{([^}]*)\\}`).exec(conf)?.[1] ?? '';
const megabytes = (block: string) => Number(/client_max_body_size (\d+)m;/.exec(block)?.[1]) * 1024 * 1024;
const convertBlock = locationBlock('convert');
const PROXY_UPLOAD_LIMIT = megabytes(convertBlock);
const CONVERT_BURST = Number(/limit_req zone=convert burst=(\d+)/.exec(convertBlock)?.[1]);
const PER_CLIENT_CONNECTIONS = Number(/limit_conn perclient (\d+);/.exec(conf)?.[1]);
const APP = loadConfig({});
const needs = requirePrograms({ nginx: 'nginx' });

const metrics = async (api: ApiProcess) => (await fetch(`${api.base}/metrics`)).text();
/** Requests one API instance has answered on a route (with a given status), from its own metrics. */
const answered = async (api: ApiProcess, route: string, status?: number) =>
  metricValue(await metrics(api), 'svgai_http_request_duration_seconds_count', { route, ...(status ? { status: String(status) } : {}) });
const answeredByAll = async (apis: ApiProcess[], route: string, status?: number) =>
  (await Promise.all(apis.map((a) => answered(a, route, status)))).reduce((a, b) => a + b, 0);

let fixtures: FixtureIndex;
let a: ApiProcess;
let b: ApiProcess;
let limited: ApiProcess;
let front: RunningNginx;
const extra: RunningNginx[] = [];

beforeAll(async () => {
  fixtures = await ensureFixtures();
  // Behind nginx the app trusts exactly one hop (TRUST_PROXY_HOPS=1), as in docker-compose.prod.yml.
  const appEnv = { TRUST_PROXY_HOPS: '1', WORKER_THREADS: '1', RATE_LIMIT_PER_MINUTE: '0' };
  [a, b, limited] = await Promise.all([
    startApiProcess(appEnv),
    startApiProcess(appEnv),
    startApiProcess({ ...appEnv, RATE_LIMIT_PER_MINUTE: '3' }),
  ]);
  front = await startNginx([a.port, b.port]);
});

afterAll(async () => {
  await Promise.all([front, ...extra].map((n) => n?.stop()));
  await Promise.all([a, b, limited].filter(Boolean).map((p) => stopProcess(p)));
});

describe.skipIf(needs.missing)('nginx in front of two API instances', () => {
  it('passes /health and /ready through and spreads requests over both instances', async () => {
    const before = await Promise.all([answered(a, '/health'), answered(b, '/health')]);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${front.base}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    }
    const after = await Promise.all([answered(a, '/health'), answered(b, '/health')]);
    expect(after[0] - before[0]).toBeGreaterThan(0);
    expect(after[1] - before[1]).toBeGreaterThan(0);
    expect(after[0] - before[0] + (after[1] - before[1])).toBe(6);
    const ready = await fetch(`${front.base}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe('ready');
  });

  it('converts an image: the SVG and its X-SVG-AI headers come through, gzipped for clients that accept it', async () => {
    const image = await readFile(fixtures['flat-art'].file);
    const svg = await rawRequest(front.port, {
      method: 'POST',
      path: '/api/convert',
      headers: { 'Content-Type': 'image/png', 'Content-Length': image.length, 'Accept-Encoding': 'gzip' },
      body: image,
    });
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.headers['content-encoding']).toBe('gzip');
    expect(svg.headers['x-svg-ai-tier']).toMatch(/^[123]$/);
    expect(Number(svg.headers['x-svg-ai-ssim'])).toBeGreaterThan(0.8);
    expect(gunzipSync(svg.body).toString()).toMatch(/^<svg[\s>]/);

    const json = await rawRequest(front.port, {
      method: 'POST',
      path: '/api/convert',
      headers: { 'Content-Type': 'image/png', 'Content-Length': image.length, 'Accept-Encoding': 'gzip', Accept: 'application/json' },
      body: image,
    });
    expect(json.status).toBe(200);
    expect(json.headers['content-encoding']).toBe('gzip');
    const facts = JSON.parse(gunzipSync(json.body).toString()) as { svg: string; tier: number };
    expect(facts.svg).toMatch(/^<svg[\s>]/);

    const plain = await rawRequest(front.port, {
      method: 'POST',
      path: '/api/convert',
      headers: { 'Content-Type': 'image/png', 'Content-Length': image.length },
      body: image,
    });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toMatch(/^<svg[\s>]/);
  });

  it('keeps /metrics and every path outside the API inside, however it is spelled', async () => {
    // The app itself is lenient (Express matches case-insensitively and ignores a trailing slash):
    // these would leak if nginx passed them on.
    for (const path of ['/metrics', '/Metrics', '/metrics/']) {
      const direct = await rawRequest(a.port, { path });
      expect(direct.body.toString(), `app ${path}`).toContain('svgai_http_request_duration_seconds');
    }
    const spellings = ['/metrics', '/Metrics', '/METRICS', '/metrics/', '//metrics', '/metrics?x=1', '/./metrics', '/api/../metrics', '/api/%2e%2e/metrics', '/health/../metrics', '/metrics%2F', '/studio', '/assets/', '/docs/x', '/assets/../metrics'];
    for (const path of spellings) {
      const res = await rawRequest(front.port, { path });
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toBe('application/problem+json');
      expect(res.body.toString(), path).not.toContain('svgai_');
      expect(JSON.parse(res.body.toString()).code, path).toBe('NOT_FOUND');
    }
  });

  it('passes the studio page, its assets, /openapi.json and /docs through', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/assets/studio.js', 'javascript'], ['/assets/studio.css', 'text/css'], ['/openapi.json', 'application/json'], ['/docs', 'text/html']] as const) {
      const res = await rawRequest(front.port, { path });
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toContain(type);
    }
  });

  it(`lets uploads up to the app's limit through and refuses bodies over its own limit before the app sees them`, async () => {
    // "Just above": room for multipart framing (the app allows 64 KiB of it), not more than 2 MiB.
    expect(PROXY_UPLOAD_LIMIT).toBeGreaterThan(APP.MAX_UPLOAD_BYTES + 64 * 1024);
    expect(PROXY_UPLOAD_LIMIT - APP.MAX_UPLOAD_BYTES).toBeLessThanOrEqual(2 * 1024 * 1024);
    const apps = [a, b];
    const upload = (body: Buffer) =>
      rawRequest(front.port, { method: 'POST', path: '/api/convert', headers: { 'Content-Type': 'image/png', 'Content-Length': body.length }, body });

    // Exactly at the app's limit: converted.
    const atLimit = await upload(paddedPng(APP.MAX_UPLOAD_BYTES));
    expect(atLimit.status).toBe(200);

    // Between the two limits: the app's own 413.
    const apps413 = await answeredByAll(apps, '/api/convert', 413);
    const overApp = await upload(bigBody(APP.MAX_UPLOAD_BYTES + 1));
    expect(overApp.status).toBe(413);
    expect(JSON.parse(overApp.body.toString()).code).toBe('UPLOAD_TOO_LARGE');
    expect(await answeredByAll(apps, '/api/convert', 413)).toBe(apps413 + 1);

    // Over nginx's limit, with a Content-Length and chunked: nginx answers 413 in the app's shape; no app sees it.
    const overProxy = await upload(bigBody(PROXY_UPLOAD_LIMIT + 1));
    const chunk = Buffer.alloc(1024 * 1024);
    const chunked = await rawRequest(front.port, {
      method: 'POST',
      path: '/api/convert',
      headers: { 'Content-Type': 'image/png', 'Transfer-Encoding': 'chunked' },
      body: Array.from({ length: PROXY_UPLOAD_LIMIT / chunk.length + 1 }, () => chunk),
    });
    for (const res of [overProxy, chunked]) {
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body.toString())).toMatchObject({ status: 413, code: 'UPLOAD_TOO_LARGE' });
    }
    expect(await answeredByAll(apps, '/api/convert', 413)).toBe(apps413 + 1);
    expect(front.errorLog()).toContain('client intended to send too large');
  });

  it('answers a burst of uploads from one client with 429 from nginx once the burst is spent, and never limits polling', async () => {
    // A fresh nginx: its request-rate zone has seen nothing yet.
    const nginx = await startNginx([a.port, b.port]);
    extra.push(nginx);
    const apps = [a, b];
    const before = await answeredByAll(apps, '/api/convert');
    const rateLimitedBefore = (await Promise.all(apps.map(metrics))).reduce((n, t) => n + metricValue(t, 'svgai_rate_limited_total'), 0);
    // A few keep-alive connections, so the connection limit plays no part: only the request rate.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const total = CONVERT_BURST * 3;
    const answers = await Promise.all(
      Array.from({ length: total }, () =>
        rawRequest(nginx.port, { method: 'POST', path: '/api/convert', headers: { 'Content-Type': 'image/png', 'Content-Length': 0 }, agent }),
      ),
    );
    agent.destroy();
    const refused = answers.filter((r) => r.status === 429);
    const passed = answers.filter((r) => r.status !== 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(passed.length).toBeGreaterThan(CONVERT_BURST); // the first request and the whole burst go through at once
    for (const r of refused) {
      expect(r.headers['retry-after']).toBe('1');
      expect(JSON.parse(r.body.toString())).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    }
    for (const r of passed) expect(JSON.parse(r.body.toString()).code).toBe('EMPTY_UPLOAD');
    // Every refusal was nginx's: the apps saw exactly the requests that passed, and limited none.
    expect((await answeredByAll(apps, '/api/convert')) - before).toBe(passed.length);
    const rateLimitedAfter = (await Promise.all(apps.map(metrics))).reduce((n, t) => n + metricValue(t, 'svgai_rate_limited_total'), 0);
    expect(rateLimitedAfter).toBe(rateLimitedBefore);
    expect(nginx.errorLog()).toMatch(/limiting requests, excess: [\d.]+ by zone "convert"/);

    // Polling is never limited by the request rate, even right after the burst (over a few
    // connections, as before: the connection limit is another test).
    const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const polls = await Promise.all(
      Array.from({ length: total }, () => rawRequest(nginx.port, { path: `/api/jobs/${'0'.repeat(64)}-${'0'.repeat(16)}`, agent: pollAgent })),
    );
    pollAgent.destroy();
    expect(polls.map((p) => p.status)).toEqual(Array(total).fill(404));
  });
});

describe.skipIf(needs.missing)('nginx per-client limits and timeouts', () => {
  it(`refuses requests beyond ${PER_CLIENT_CONNECTIONS} at once from one client with 429`, async () => {
    const nginx = await startNginx([a.port]);
    extra.push(nginx);
    // Uploads that never finish their body hold their connection (nginx buffers the body first; the
    // app never sees them) until client_body_timeout. Three more than the limit: those three are
    // refused at once, whichever they are.
    const extraRequests = 3;
    const held = Array.from({ length: PER_CLIENT_CONNECTIONS + extraRequests }, () => {
      const socket = net.connect(nginx.port, '127.0.0.1');
      const state = { socket, received: '' };
      socket.on('data', (d: Buffer) => (state.received += d.toString()));
      socket.on('error', () => undefined);
      socket.write(`POST /api/convert HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n0123456789`);
      return state;
    });
    try {
      const answered = () => held.filter((h) => h.received.length > 0);
      await waitFor(`${extraRequests} refusals`, async () =>
        answered().length >= extraRequests && held.every((h) => h.received === '' || h.received.includes('\r\n\r\n{')),
      ).catch((err: Error) => {
        const first = answered().map((h) => h.received.split('\r\n')[0]);
        throw new Error(`${err.message}; answers: ${JSON.stringify(first)}; error log: ${nginx.errorLog().slice(-800)}`);
      });
      const refusals = answered();
      expect(refusals).toHaveLength(extraRequests);
      for (const r of refusals) {
        expect(r.received).toMatch(/^HTTP\/1\.1 429 /);
        expect(r.received).toContain('"code":"RATE_LIMITED"');
      }
      expect(nginx.errorLog()).toContain('limiting connections by zone "perclient"');
      // Another request now is refused too; the app has seen none of them.
      expect((await rawRequest(nginx.port, { path: '/health' })).status).toBe(429);
    } finally {
      for (const h of held) h.socket.destroy();
    }
    await waitFor('a free slot once the uploads are gone', async () => (await rawRequest(nginx.port, { path: '/health' })).status === 200);
  });

  it('disconnects a client that never finishes its headers, without the app seeing a request', async () => {
    const timeout = Number(/client_header_timeout (\d+)s;/.exec(conf)?.[1]);
    expect(timeout).toBeGreaterThan(0);
    expect(timeout * 1000).toBeLessThan(APP.HEADERS_TIMEOUT_MS); // nginx gives up before the app would
    const before = await answeredByAll([a, b], '/health');
    const socket = net.connect(front.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', () => undefined);
    socket.write('GET /health HTTP/1.1\r\nHost: test\r\n'); // ...and never the blank line
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(received).not.toContain('200 OK');
    expect(await answeredByAll([a, b], '/health')).toBe(before);
  });

  it('keys the app rate limit on the address nginx saw: a forged X-Forwarded-For does not escape it', async () => {
    // Straight to the app (which trusts one hop), each forged address would be a new client...
    for (let i = 0; i < 5; i++) {
      const res = await rawRequest(limited.port, { method: 'POST', path: '/api/convert', headers: { 'Content-Type': 'image/png', 'Content-Length': 0, 'X-Forwarded-For': `203.0.113.${i}` } });
      expect(res.status).toBe(400);
    }
    // ...through nginx they are all the one client nginx saw.
    const nginx = await startNginx([limited.port]);
    extra.push(nginx);
    const forged = ['198.51.100.1', '198.51.100.2', '198.51.100.3, 10.0.0.1', '127.0.0.2', 'unknown', '198.51.100.6'];
    const statuses: number[] = [];
    for (const xff of forged) {
      const res = await rawRequest(nginx.port, { method: 'POST', path: '/api/convert', headers: { 'Content-Type': 'image/png', 'Content-Length': 0, 'X-Forwarded-For': xff } });
      statuses.push(res.status);
      if (res.status === 429) {
        // The app's refusal (with its RateLimit headers), not nginx's.
        expect(res.headers['ratelimit-policy']).toBeDefined();
        expect(JSON.parse(res.body.toString()).code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses).toEqual([400, 400, 400, 429, 429, 429]);
    expect(metricValue(await metrics(limited), 'svgai_rate_limited_total')).toBe(3);
  });
});
