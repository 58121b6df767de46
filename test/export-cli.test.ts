/** The CLI's export flags: `batch --format` repeated writes one file per format, sized by --width/--unit. */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallLogo } from './helpers/service.js';

const CLI = path.resolve(import.meta.dirname, '../dist/cli/index.js');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'svgai-export-cli-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', WORKER_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('CLI export flags', () => {
  it('batch --format svg --format pdf --format dxf --width 40 --unit mm writes each format per image', async () => {
    const input = path.join(tmp, 'in');
    await mkdir(path.join(input, 'sub'), { recursive: true });
    await writeFile(path.join(input, 'a.png'), await smallLogo(96, '#113355'));
    await writeFile(path.join(input, 'sub', 'b.png'), await smallLogo(80, '#553311'));
    const out = path.join(tmp, 'out');
    const run = await cli(['batch', input, '-o', out, '--local', '--format', 'svg', '--format', 'pdf', '--format', 'dxf', '--width', '40', '--unit', 'mm']);
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(out)).filter((f) => !f.startsWith('.')).sort()).toEqual(['a.dxf', 'a.pdf', 'a.svg', 'report.csv', 'report.json', 'sub']);
    expect((await readdir(path.join(out, 'sub'))).sort()).toEqual(['b.dxf', 'b.pdf', 'b.svg']);
    expect(await readFile(path.join(out, 'a.svg'), 'utf8')).toMatch(/^<svg[^>]* width="40mm" height="40mm"/);
    expect((await readFile(path.join(out, 'a.pdf'))).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('refuses an unknown format with the API sentence and exit code 2', async () => {
    const run = await cli(['convert', path.join(tmp, 'in'), '-o', path.join(tmp, 'x'), '--format', 'jpg']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Expected one of svg|svgz|pdf|eps|dxf|png for format but received "jpg".');
  });
});
