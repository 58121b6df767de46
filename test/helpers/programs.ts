/**
 * Programs from Debian packages that some suites drive for real (nginx, Prometheus and promtool,
 * redis_exporter, Chromium, poppler's pdftoppm, Ghostscript). `npm test` must pass on a fresh
 * machine where they are absent, and CI must never skip them silently:
 *
 * - absent, outside CI: the suite is skipped and one line says which package to install;
 * - absent, under CI=true (.ci/run installs every package): collecting the suite fails, so the run fails.
 *
 *   const needs = requirePrograms({ nginx: 'nginx' });
 *   describe.skipIf(needs.missing)('nginx in front of ...', () => { ... needs.path('nginx') ... });
 *
 * File-level beforeAll/afterAll hooks do not run when every test of the file is skipped, so a suite
 * only has to put `.skipIf(needs.missing)` on its describes. Add the package to .ci/run's apt_install.
 * requireLibraries does the same for a shared library (jemalloc), looked for where Debian puts them.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/** The absolute path of `name` found on PATH, or undefined. */
export function findProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

export interface RequiredPrograms {
  /** True when at least one program is absent (outside CI only: under CI an absence throws). */
  missing: boolean;
  /** The sentence printed when skipping, or undefined when everything is there. */
  reason: string | undefined;
  /** The absolute path of one of the programs (throws if it is absent). */
  path(name: string): string;
}

/** Where Debian puts shared libraries, for this machine's architecture, then the usual others. */
const LIBRARY_DIRS = [`/usr/lib/${({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[process.arch] ?? process.arch}-linux-gnu`, '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/** The absolute path of the shared library `name` (e.g. libjemalloc.so.2), or undefined. */
export function findLibrary(name: string): string | undefined {
  return LIBRARY_DIRS.map((dir) => path.join(dir, name)).find((candidate) => {
    try {
      accessSync(candidate, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** requirePrograms for shared libraries, given as { 'libjemalloc.so.2': 'libjemalloc2' }. */
export const requireLibraries = (libraries: Record<string, string>, env: NodeJS.ProcessEnv = process.env): RequiredPrograms => requirePrograms(libraries, env, findLibrary);

/** The test file being run; undefined outside vitest (the benches use these helpers too). */
function suitePath(): string | undefined {
  try {
    return expect.getState().testPath;
  } catch {
    return undefined;
  }
}

/** True when the run is CI's (.ci/run exports CI=true; so do the usual CI services). */
export const underCi = (env: NodeJS.ProcessEnv = process.env): boolean => /^(1|true|yes)$/i.test(env.CI ?? '');

/**
 * Checks the programs a suite needs, given as { program: 'debian-package' }. Call it once at the
 * top of a test file. Prints one line when skipping; throws under CI.
 */
export function requirePrograms(programs: Record<string, string>, env: NodeJS.ProcessEnv = process.env, find: (name: string) => string | undefined = findProgram): RequiredPrograms {
  const found = Object.fromEntries(Object.keys(programs).map((name) => [name, find(name)]));
  const absent = Object.keys(programs).filter((name) => !found[name]);
  const packages = [...new Set(absent.map((name) => programs[name]!))];
  const file = path.relative(process.cwd(), suitePath() ?? 'this suite');
  const reason =
    absent.length === 0
      ? undefined
      : `${absent.join(', ')} not installed: skipping ${file} (apt-get install ${packages.join(' ')}; .ci/run installs it)`;
  if (reason && underCi(env)) {
    throw new Error(`${reason.replace(/: skipping /, ', which CI must run: ')}. CI never skips a suite for a missing program.`);
  }
  if (reason) process.stderr.write(`SKIP ${reason}\n`);
  return {
    missing: absent.length > 0,
    reason,
    path(name) {
      const where = found[name];
      if (!where) throw new Error(`${name} is not installed: apt-get install ${programs[name] ?? name}`);
      return where;
    },
  };
}
