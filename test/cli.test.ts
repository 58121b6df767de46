/** The svg-ai command as a user runs it (the built dist/, as the bin points there). */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTION_SPECS } from '../src/pipeline/options.js';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { freePort, waitFor } from './helpers/redis.js';

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
    expect(stdout).toMatch(/2 converted, 0 skipped, 0 failed/);
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

describe('svg-ai as a user finds it', () => {
  const fails = (args: string[], input?: Buffer) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile('node', [CLI, ...args], { env, encoding: 'buffer' }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: stdout.toString(), stderr: stderr.toString() }),
      );
      if (input) child.stdin!.end(input);
    });

  it('prints its version with --version', async () => {
    const { version } = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../package.json'), 'utf8')) as { version: string };
    const { stdout } = await run('node', [CLI, '--version'], { env });
    expect(stdout.trim()).toBe(version);
  });

  it.each([
    ['convert', ['-o', 'out']],
    ['batch', ['--local', '-o', 'out']],
  ])('%s of a missing folder says so in one sentence and exits 2, without a stack trace', async (command, rest) => {
    const missing = path.join(dir, 'no-such-folder');
    const { code, stdout, stderr } = await fails([command, missing, ...rest]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`svg-ai: ${missing} does not exist; give an image file or a folder.\n`);
  });

  it('convert - reads the image from standard input and -o - writes the SVG alone to standard output', async () => {
    const { code, stdout, stderr } = await fails(['convert', '-', '-o', '-'], await readFile(fixtures['logo-2c'].file));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^<svg[^>]* width="512" height="512"[\s\S]*<\/svg>$/);
    expect(stderr).toMatch(/^stdin: tier 1, \w+, SSIM 0\.9\d+/m);
    const toFolder = await fails(['convert', '-', '-o', path.join(dir, 'from-stdin')], await readFile(fixtures['logo-2c'].file));
    expect(toFolder.code).toBe(0);
    expect((await readFile(path.join(dir, 'from-stdin/stdin.svg'), 'utf8')).startsWith('<svg')).toBe(true);
    const folder = await fails(['convert', path.join(dir, 'in'), '-o', '-']);
    expect(folder).toMatchObject({ code: 2, stderr: 'svg-ai: -o - writes one SVG to standard output; give one image, not a folder.\n' });
  });

  it('lists the files a folder walk leaves out, with the reason', async () => {
    const input = path.join(dir, 'walk');
    await mkdir(input, { recursive: true });
    await cp(fixtures['logo-2c'].file, path.join(input, 'logo.png'));
    await writeFile(path.join(input, 'notes.txt'), 'not an image');
    await symlink(path.join(input, 'logo.png'), path.join(input, 'link.png'));
    const { stdout } = await run('node', [CLI, 'convert', input, '-o', path.join(dir, 'walk-out')], { env });
    expect(stdout).toContain('link.png: skipped, a symbolic link (links are not followed)');
    expect(stdout).toContain('notes.txt: skipped, not named as an image (.png, .jpg, .jpeg, .webp, .gif)');
    expect(stdout).toMatch(/1 converted, 2 skipped, 0 failed/);
  });

  const traceSpecs = OPTION_SPECS.filter((s) => s.scope === 'trace');
  it.each(['convert', 'batch'])('%s has a flag for every trace option of the API, described as the API describes it', async (command) => {
    const { stdout } = await run('node', [CLI, command, '--help'], { env, maxBuffer: 1 << 20 });
    const help = stdout.replace(/\s+/g, ' ');
    for (const spec of traceSpecs) {
      expect(help).toContain(`--${spec.name.replaceAll('_', '-')} <`);
      expect(help).toContain(spec.description.replace(/\s+/g, ' '));
    }
  });

  it.each(traceSpecs.flatMap((spec) => ['convert', 'batch'].map((command) => [command, spec.name] as const)))(
    '%s --%s reaches the API parser (a bad value is refused with its message)',
    async (command, name) => {
      const flag = `--${name.replaceAll('_', '-')}`;
      const { code, stderr } = await fails([command, path.join(dir, 'in'), '-o', path.join(dir, 'never'), ...(command === 'batch' ? ['--local'] : []), flag, 'not-valid-xyz']);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`^svg-ai: Expected .+ for ${name} but received "not-valid-xyz"`));
    },
  );

  it('serve --port listens on that port', async () => {
    const port = await freePort();
    const child = spawn('node', [CLI, 'serve', '--port', String(port)], { env: { ...env, HOST: '127.0.0.1', WORKER_THREADS: '1' }, stdio: 'ignore' });
    try {
      await waitFor(`svg-ai serve on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 30_000);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const bad = await fails(['serve', '--port', '70000']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Expected a port number between 0 and 65535 but received 70000.');
  });
});

describe('svg-ai bench', () => {
  it('says so and exits 0 when the corpus folder is absent', async () => {
    const { stdout } = await run('node', [CLI, 'bench', path.join(dir, 'no-corpus')], { env });
    expect(stdout + '').toMatch(/skipped/i);
  });
});
