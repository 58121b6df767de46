/**
 * test/helpers/programs.ts: a suite whose Debian program is absent is skipped with one line naming
 * the package, except under CI=true, where the run fails. Proven on a real vitest run of a small
 * suite that needs a program no machine has.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findProgram, requirePrograms, underCi } from './helpers/programs.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'svgai-programs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  path.join(dir, 'needs-absent.test.ts'),
  `import { describe, expect, it } from 'vitest';
import { requirePrograms } from ${JSON.stringify(path.join(ROOT, 'test/helpers/programs.ts'))};
const needs = requirePrograms({ 'svgai-no-such-program': 'svgai-no-such-package', sh: 'dash' });
describe.skipIf(needs.missing)('a suite that drives the program', () => {
  it('runs it', () => expect(needs.path('svgai-no-such-program')).toBeTruthy());
});
describe('a suite that needs nothing', () => {
  it('runs', () => expect(1).toBe(1));
});
`,
);

function runVitest(env: NodeJS.ProcessEnv) {
  const run = spawnSync(process.execPath, [VITEST, 'run', '--root', dir, '--reporter', 'default'], {
    cwd: dir,
    env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const withoutCi = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'GITHUB_ACTIONS'));

describe('requirePrograms', () => {
  it('finds a program on PATH and reports nothing missing', () => {
    expect(findProgram('sh')).toMatch(/\/sh$/);
    const needs = requirePrograms({ sh: 'dash' }, {});
    expect(needs.missing).toBe(false);
    expect(needs.reason).toBeUndefined();
    expect(needs.path('sh')).toBe(findProgram('sh'));
  });

  it('throws under CI instead of skipping', () => {
    expect(() => requirePrograms({ 'svgai-no-such-program': 'svgai-no-such-package' }, { CI: 'true' })).toThrow(
      /svgai-no-such-program not installed, which CI must run.*apt-get install svgai-no-such-package/,
    );
    expect(underCi({ CI: 'true' })).toBe(true);
    expect(underCi({ CI: '1' })).toBe(true);
    expect(underCi({})).toBe(false);
    expect(underCi({ CI: 'false' })).toBe(false);
  });

  it('skips a suite whose program is absent with one line naming the package, and the run passes', () => {
    const { status, output } = runVitest(withoutCi());
    const skipLines = output.split('\n').filter((l) => l.startsWith('SKIP '));
    expect(skipLines).toEqual([
      'SKIP svgai-no-such-program not installed: skipping needs-absent.test.ts (apt-get install svgai-no-such-package; .ci/run installs it)',
    ]);
    expect(output).toMatch(/1 passed \| 1 skipped/);
    expect(status, output).toBe(0);
  });

  it('fails the run under CI=true when a suite would skip for a missing program', () => {
    const { status, output } = runVitest({ ...withoutCi(), CI: 'true' });
    expect(output).toContain('svgai-no-such-program not installed, which CI must run');
    expect(output).toContain('CI never skips a suite for a missing program');
    expect(status).not.toBe(0);
  });
});
