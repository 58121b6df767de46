/** The svg-ai command as a user runs it (the built dist/, as the bin points there). */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../dist/cli/index.js');
let dir: string;
let fixtures: FixtureIndex;

beforeAll(async () => {
  fixtures = await ensureFixtures();
  dir = await mkdtemp(path.join(os.tmpdir(), 'svgai-cli-'));
  await mkdir(path.join(dir, 'in/nested'), { recursive: true });
  await cp(fixtures['logo-2c'].file, path.join(dir, 'in/logo.png'));
  await cp(fixtures['flat-art'].file, path.join(dir, 'in/nested/art.png'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const env = { ...process.env, LOG_LEVEL: 'silent', WORKER_THREADS: '2' };

describe('svg-ai convert', () => {
  it('converts a folder, mirroring its structure, and reports each image', async () => {
    const { stdout } = await run('node', [CLI, 'convert', path.join(dir, 'in'), '-o', path.join(dir, 'out')], { env });
    expect(stdout).toMatch(/logo\.png: tier 1, \w+, SSIM 0\.9\d+/);
    expect(stdout).toMatch(/2 converted, 0 failed/);
    expect((await readFile(path.join(dir, 'out/logo.svg'), 'utf8')).startsWith('<svg')).toBe(true);
    expect(await readdir(path.join(dir, 'out/nested'))).toEqual(['art.svg']);
  });

  it('exits non-zero and names the file when an image fails', async () => {
    await writeFile(path.join(dir, 'in/broken.png'), 'not an image');
    const failed = await run('node', [CLI, 'convert', path.join(dir, 'in'), '-o', path.join(dir, 'out2')], { env }).then(
      () => undefined,
      (err: { code: number; stderr: string; stdout: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/broken\.png: failed UNSUPPORTED_TYPE/);
  });

  it('refuses a bad option with the same message as the API', async () => {
    const failed = await run('node', [CLI, 'convert', path.join(dir, 'in'), '-o', dir, '--tier', '4'], { env }).catch((e: { stderr: string }) => e);
    expect((failed as { stderr: string }).stderr).toMatch(/Expected one of auto\|1\|2\|3 for tier but received "4"/);
  });
});

describe('svg-ai bench', () => {
  it('says so and exits 0 when the corpus folder is absent', async () => {
    const { stdout } = await run('node', [CLI, 'bench', path.join(dir, 'no-corpus')], { env });
    expect(stdout + '').toMatch(/skipped/i);
  });
});
