/** The README as a user reads it: what it promises about errors matches the catalog. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../src/errors/catalog.js';

const readme = readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
const errorTable = /### Errors\n[\s\S]*?\n(\|[\s\S]*?)\n\n/.exec(readme)?.[1] ?? '';
const rows = errorTable
  .split('\n')
  .slice(2)
  .map((line) => line.split('|').map((c) => c.trim()));

describe("README's error table", () => {
  it.each(Object.entries(ERRORS))('lists %s with its status', (code, { status }) => {
    const row = rows.find((cells) => cells[2]?.split(', ').includes(`\`${code}\``));
    expect(row, `${code} is missing from the README's error table`).toBeDefined();
    expect(row![1]!.split(', ')).toContain(String(status));
  });

  it('says what a body without a Content-Type gets', () => {
    expect(errorTable).toMatch(/without a `Content-Type`[^|]*400 `MISSING_IMAGE`/);
  });
});

describe('install scripts', () => {
  it('every dependency with an install script has a decision in package.json allowScripts', async () => {
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync('npm', ['install-scripts', 'ls', '--json'], { cwd: path.resolve(import.meta.dirname, '..'), encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { allowScripts: unknown[] }).allowScripts).toEqual([]);
  });
});
