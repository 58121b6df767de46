/**
 * Node options for the worker threads of both pools (tracing, exports).
 *
 * Piscina loads a thread's file with require() first, and Node >= 20.19 require()s an ES module
 * synchronously. A thread terminated during that load (a pool closed while a replacement thread
 * was starting, at shutdown with no grace left) aborted the whole process inside V8
 * ("v8::Module::IsGraphAsync must be used on an instantiated module", SIGABRT) instead of letting
 * it exit 0. With require(esm) off in the threads, that require() fails at once and piscina
 * loads the file with import(), which a terminate interrupts cleanly.
 */
const NO_REQUIRE_ESM = '--no-experimental-require-module';

export function workerExecArgv(file: URL): string[] {
  // Sources (tests) run through tsx; builds run the compiled file.
  const tsx = file.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return process.allowedNodeEnvironmentFlags.has(NO_REQUIRE_ESM) ? [...tsx, NO_REQUIRE_ESM] : tsx;
}
