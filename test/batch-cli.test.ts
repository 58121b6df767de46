/**
 * `svg-ai batch` against a running service, in both modes: a nested folder with bad files,
 * an interrupted run resumed without converting anything twice, a tight rate limit the CLI
 * waits out, and a report that matches what was written.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRow } from '../src/batch/report.js';
import { loadConfig, type Config } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { dropPrefix, SHARED_REDIS_URL, startWorkerProcess, stopProcess, sumMetric, uniquePrefix, waitFor, type WorkerProcess } from './helpers/redis.js';
import { smallLogo } from './helpers/service.js';

const CLI = path.resolve(import.meta.dirname, '../dist/cli/index.js');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'svgai-batch-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

function runCli(args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; kill: () => void } {
  const child = spawn(process.execPath, [CLI, 'batch', ...args], { env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr }))),
    kill: () => child.kill('SIGKILL'),
  };
}

let made = 0;

/** A folder of small logos, each distinct from every other made in this file, some in sub-folders. */
async function makeFolder(name: string, count: number, extra: (dir: string) => Promise<void> = async () => undefined): Promise<string> {
  const dir = path.join(tmp, name);
  for (let n = 0; n < count; n++) {
    const i = made++;
    const sub = path.join(dir, n % 2 === 0 ? '' : 'nested', n % 3 === 0 ? 'deeper' : '');
    await mkdir(sub, { recursive: true });
    const color = `#${(0x203040 + i * 0x0a1408).toString(16).slice(-6)}`;
    await writeFile(path.join(sub, `logo-${n}.png`), await smallLogo(64 + i * 2, color));
  }
  await extra(dir);
  return dir;
}

const readReport = async (out: string) => JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as { summary: Record<string, number>; items: ReportRow[] };

function suite(mode: 'embedded' | 'redis') {
  const prefix = uniquePrefix(`batchcli-${mode}`);
  const redisEnv: Partial<Config> = mode === 'redis' ? { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix } : {};
  let api: RunningServer;
  let worker: WorkerProcess | undefined;
  let url: string;

  beforeAll(async () => {
    api = await startServer(loadConfig({}, { ...redisEnv, PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0 }), createLogger('silent'));
    url = `http://127.0.0.1:${api.port}`;
    if (mode === 'redis') worker = await startWorkerProcess({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await api?.shutdown();
    if (mode === 'redis') await dropPrefix(SHARED_REDIS_URL, prefix);
  });

  /** Traces done by the service so far (the API process in embedded mode, the worker in production). */
  // Conversions that ran to an answer: a trace whose caller hung up (the kill below) is stopped and
  // counted as client_closed, and the rerun then traces that image for real.
  const traced = async () => {
    const text = worker ? await worker.metrics() : await (await fetch(`${url}/metrics`)).text();
    return sumMetric(text, 'svgai_conversions_total') - sumMetric(text.split('\n').filter((l) => l.includes('outcome="client_closed"')).join('\n'), 'svgai_conversions_total');
  };

  it('converts a nested folder, reports the bad files, mirrors the structure, and the report matches the files', async () => {
    const input = await makeFolder(`${mode}-nested`, 5, async (dir) => {
      await writeFile(path.join(dir, 'nested', 'broken.png'), 'this is text');
      await writeFile(path.join(dir, 'empty.jpg'), '');
      await writeFile(path.join(dir, 'readme.txt'), 'not an image name: filtered out');
    });
    const out = path.join(tmp, `${mode}-nested-out`);
    const { code, stdout } = await runCli([input, '--url', url, '-o', out, '--concurrency', '3']).done;
    expect(code).toBe(1);
    expect(stdout).toMatch(/8 files: 5 converted, 0 already done, 1 skipped, 2 failed/);
    // The file the walk leaves out is listed, with the reason, never silently dropped.
    expect(stdout).toContain('readme.txt: skipped, not named as an image (.png, .jpg, .jpeg, .webp, .gif)');
    const report = await readReport(out);
    expect(report.summary).toMatchObject({ total: 8, converted: 5, failed: 2, skipped: 1 });
    expect(report.items.find((r) => r.file === 'readme.txt')).toMatchObject({ status: 'skipped', reason: 'not named as an image (.png, .jpg, .jpeg, .webp, .gif)' });
    for (const row of report.items.filter((r) => r.status !== 'skipped')) {
      const svg = path.join(out, row.file.replace(/\.[^.]+$/, '.svg'));
      if (row.status === 'converted') {
        expect((await readFile(svg, 'utf8')).startsWith('<svg'), row.file).toBe(true);
        expect(row.tier).toBe(1);
        expect(row.bytes).toBe((await readFile(svg)).length);
      } else {
        expect(existsSync(svg)).toBe(false);
      }
    }
    expect(report.items.find((r) => r.file === 'nested/broken.png')).toMatchObject({ status: 'failed', error: 'UNSUPPORTED_TYPE' });
    expect(report.items.find((r) => r.file === 'empty.jpg')).toMatchObject({ status: 'failed', error: 'EMPTY_UPLOAD' });
    const csv = (await readFile(path.join(out, 'report.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('file,status,tier,engine,ssim,ms,bytes,error,reason');
    expect(csv).toHaveLength(9);
    expect(csv.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(report.items.map((r) => r.file).sort());
  });

  it("says on the per-file line when the service answered from its cache, and --include/--exclude leave files listed as skipped", async () => {
    const input = await makeFolder(`${mode}-cached`, 3);
    const first = await runCli([input, '--url', url, '-o', path.join(tmp, `${mode}-cached-1`)]).done;
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain("from the service's cache");
    // Another output folder: nothing is already done there, but the service has every result.
    const out = path.join(tmp, `${mode}-cached-2`);
    const second = await runCli([input, '--url', url, '-o', out, '--exclude', 'deeper']).done;
    expect(second.code).toBe(0);
    const converted = second.stdout.split('\n').filter((l) => l.includes(': converted ('));
    expect(converted.length).toBeGreaterThan(0);
    for (const l of converted) expect(l).toMatch(/, from the service's cache\)$/);
    expect(second.stdout).toMatch(/deeper\/logo-0\.png: skipped, matched by --exclude/);
    const report = await readReport(out);
    expect(report.items.filter((r) => r.status === 'converted').every((r) => r.cache === 'hit')).toBe(true);
  });

  it('--include converts only the files it matches and --exclude then leaves out those it matches; neither is written', async () => {
    // makeFolder(3): deeper/logo-0.png, nested/logo-1.png, logo-2.png.
    const input = await makeFolder(`${mode}-filters`, 3);
    const out = path.join(tmp, `${mode}-filters-out`);
    const { code, stdout } = await runCli([input, '--url', url, '-o', out, '--include', '^(nested|deeper)/', '--exclude', 'deeper']).done;
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/logo-2\.png: skipped, not matched by --include/);
    expect(stdout).toMatch(/deeper\/logo-0\.png: skipped, matched by --exclude/);
    const report = await readReport(out);
    expect(report.summary).toMatchObject({ total: 3, converted: 1, skipped: 2, failed: 0 });
    expect(report.items.filter((r) => r.status === 'converted').map((r) => r.file)).toEqual(['nested/logo-1.png']);
    expect(existsSync(path.join(out, 'nested', 'logo-1.svg'))).toBe(true);
    expect(existsSync(path.join(out, 'logo-2.svg'))).toBe(false);
    expect(existsSync(path.join(out, 'deeper', 'logo-0.svg'))).toBe(false);
  });

  it('resumes an interrupted run without converting anything twice', async () => {
    const input = await makeFolder(`${mode}-resume`, 8);
    const out = path.join(tmp, `${mode}-resume-out`);
    const before = await traced();
    const first = runCli([input, '--url', url, '-o', out, '--concurrency', '1']);
    await waitFor('two images done', async () => (await readFile(path.join(out, '.svg-ai-batch.jsonl'), 'utf8').catch(() => '')).trim().split('\n').length >= 2, 60_000, 20);
    first.kill();
    await first.done;
    const doneBefore = (await readFile(path.join(out, '.svg-ai-batch.jsonl'), 'utf8')).trim().split('\n').length;

    const second = await runCli([input, '--url', url, '-o', out, '--concurrency', '2']).done;
    expect(second.code).toBe(0);
    const report = await readReport(out);
    expect(report.summary).toMatchObject({ total: 8, failed: 0, skipped: doneBefore, converted: 8 - doneBefore });
    // Each image traced exactly once across both runs (a request cut off by the kill may be answered
    // from the service's cache on the rerun, which is not a second trace).
    expect((await traced()) - before).toBe(8);
  });
}

describe('svg-ai batch against the embedded service', () => {
  suite('embedded');

  it('waits out a tight rate limit (429 + Retry-After) and still finishes', async () => {
    const api = await startServer(
      loadConfig({}, { PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 2, RATE_LIMIT_WINDOW_SECONDS: 2 }),
      createLogger('silent'),
    );
    try {
      const url = `http://127.0.0.1:${api.port}`;
      const input = await makeFolder('ratelimited', 5);
      const out = path.join(tmp, 'ratelimited-out');
      const { code, stdout } = await runCli([input, '--url', url, '-o', out, '--concurrency', '3']).done;
      expect(code).toBe(0);
      expect(stdout).toMatch(/5 files: 5 converted/);
      expect(sumMetric(await (await fetch(`${url}/metrics`)).text(), 'svgai_rate_limited_total')).toBeGreaterThan(0);
    } finally {
      await api.shutdown();
    }
  });
});

describe('svg-ai batch against the production service (Redis + a worker process)', () => suite('redis'));

describe('svg-ai batch --retries', () => {
  it('tries a service that drops every connection 1 + --retries times per image, backing off 0.5 s then 1 s, then reports UNREACHABLE', async () => {
    // A listener that accepts and resets every connection: a service that is up but crashing.
    const arrivals: number[] = [];
    const server = net.createServer((socket) => {
      arrivals.push(performance.now());
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const input = await makeFolder('retries', 1);
      const out = path.join(tmp, 'retries-out');
      const { port } = server.address() as net.AddressInfo;
      const { code, stdout } = await runCli([input, '--url', `http://127.0.0.1:${port}`, '-o', out, '--retries', '2', '--concurrency', '1']).done;
      expect(code, stdout).toBe(1);
      expect(arrivals).toHaveLength(3);
      // Backoff: the waits are at least 500 ms and then 1000 ms (lower bounds only: load only adds).
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(490);
      expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(990);
      const report = await readReport(out);
      expect(report.items[0]).toMatchObject({ status: 'failed', error: 'UNREACHABLE' });
    } finally {
      server.close();
    }
  }, 60_000);

  it('gives up on a request the service never answers after --timeout, retries it, then reports UNREACHABLE', async () => {
    // A listener that accepts, reads and never answers: a hung service.
    const arrivals: number[] = [];
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      // Requests are counted, not connections: the client may open a spare connection.
      socket.once('data', () => arrivals.push(performance.now()));
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const input = await makeFolder('hung', 1);
      const out = path.join(tmp, 'hung-out');
      const { port } = server.address() as net.AddressInfo;
      const { code, stdout } = await runCli([input, '--url', `http://127.0.0.1:${port}`, '-o', out, '--retries', '1', '--timeout', '1', '--concurrency', '1']).done;
      expect(code, stdout).toBe(1);
      expect(arrivals).toHaveLength(2);
      // The first request is abandoned after 1 s, then the retry waits 0.5 s.
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1490);
      const report = await readReport(out);
      expect(report.items[0]).toMatchObject({ status: 'failed', error: 'UNREACHABLE' });
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 60_000);
});
