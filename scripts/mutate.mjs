#!/usr/bin/env node
/**
 * npm run mutate -- <source files> [--tests test/a.test.ts,test/b.test.ts] [--ignore-static]
 *
 * Runs Stryker over the given source files with only the fast tests meant to catch their defects
 * (MODULE_TESTS below, or --tests), one module per run because mutation runs are slow on two cores.
 * Prints Stryker's table; the score per module is recorded in the README's Tests section.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The tests that own each module (unit tests first; no suite that needs Redis or a Debian program). */
const MODULE_TESTS = {
  'src/quality/ssim.ts': ['test/ssim.test.ts'],
  'src/pipeline/options.ts': ['test/options.test.ts'],
  'src/pipeline/guard.ts': ['test/bad-inputs.test.ts'],
  'src/pipeline/limits.ts': ['test/bad-inputs.test.ts'],
  'src/errors/catalog.ts': ['test/errors.test.ts'],
  'src/errors/app-error.ts': ['test/errors.test.ts'],
  'src/tiers/strategy.ts': ['test/tier-strategies.test.ts'],
  'src/tiers/tier1.ts': ['test/tier-strategies.test.ts'],
  'src/tiers/tier2.ts': ['test/tier-strategies.test.ts'],
  'src/tiers/tier3.ts': ['test/tier-strategies.test.ts'],
  'src/http/middleware/upload.ts': ['test/bad-inputs.test.ts', 'test/body-limit.test.ts'],
};

const args = process.argv.slice(2);
const files = [];
let tests = null;
// Static mutants (in tables evaluated when a module loads, such as OPTION_SPECS) make Stryker reload
// everything and run every test for each of them: hours on two cores. --ignore-static skips them
// (they are then left out of the score, which the README says where it was used).
let ignoreStatic = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--tests') tests = (args[++i] ?? '').split(',').filter(Boolean);
  else if (args[i] === '--ignore-static') ignoreStatic = true;
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: npm run mutate -- <source files> [--tests test/a.test.ts,...]');
  console.error(`modules with known tests: ${Object.keys(MODULE_TESTS).join(', ')}`);
  process.exit(2);
}
if (!tests) {
  const unknown = files.filter((f) => !MODULE_TESTS[f]);
  if (unknown.length) {
    console.error(`no tests are listed for ${unknown.join(', ')}: pass --tests`);
    process.exit(2);
  }
  tests = [...new Set(files.flatMap((f) => MODULE_TESTS[f]))];
}
// A renamed test file would otherwise leave a module with no test at all and a score of 0 %.
const missing = [...files, ...tests].filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`not found: ${missing.join(', ')}`);
  process.exit(2);
}
console.log(`mutating ${files.join(', ')} against ${tests.join(', ')}`);
const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', '--mutate', files.join(','), ...(ignoreStatic ? ['--ignoreStatic'] : [])], {
  stdio: 'inherit',
  env: { ...process.env, MUTATE_TESTS: tests.join(',') },
});
process.exit(run.status ?? 1);
