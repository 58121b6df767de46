import { defineConfig } from 'vitest/config';

/**
 * The vitest configuration Stryker runs (stryker.config.mjs): only the test files named in
 * MUTATE_TESTS (comma-separated), which scripts/mutate.mjs chooses for the module being mutated.
 */
const tests = (process.env.MUTATE_TESTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
if (tests.length === 0) throw new Error('MUTATE_TESTS names no test file: run mutation testing with npm run mutate -- <files>');

export default defineConfig({
  test: {
    include: tests,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
