// @ts-check
/**
 * Mutation testing (`npm run mutate -- <source files>`; not part of CI: it is slow on two cores).
 * scripts/mutate.mjs picks the fast unit tests for the files and passes them in MUTATE_TESTS, so
 * each run mutates one module and runs only the tests that are meant to catch its defects.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // One test process: the machine is shared, and the suites start worker threads of their own.
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'coverage', '.bench', 'reports', 'test/fixtures/generated'],
};
export default config;
