#!/usr/bin/env node
/** The `svg-ai` command: serve, worker, convert, batch, bench. */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfigOrExit } from '../config/load-or-exit.js';
import { AppError } from '../errors/app-error.js';
import { parseOptions, type ConvertOptions } from '../pipeline/options.js';
import { addOptionFlags, optionValues } from './option-flags.js';
import { exportsFrom, withExportOptions, type CliExports } from './export-files.js';
import { DEFAULT_TIMEOUT_MS } from '../batch/remote.js';

// dist/cli/index.js and src/cli/index.ts both sit two folders below package.json.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('svg-ai')
  .description('Raster-to-vector conversion: PNG, JPEG, WebP and GIF in, scored SVG out.')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError();

/** A mistake in the command line or its input: one sentence on standard error, exit status 2, no help dump or stack. */
function usageError(message: string): never {
  process.stderr.write(`svg-ai: ${message}\n`);
  process.exit(2);
}

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`Expected a port number between 0 and 65535 but received ${value}.`);
  return value;
};

program
  .command('serve')
  .description('start the HTTP service (embedded mode unless REDIS_URL is set)')
  .option('-p, --port <port>', 'HTTP port (overrides PORT)', port)
  .action(async (opts: { port?: string }) => {
    // The one place configuration is read is the environment: the flag is a spelling of PORT.
    if (opts.port !== undefined) process.env.PORT = opts.port;
    const { main } = await import('../main.js');
    await main('api');
  });

program
  .command('worker')
  .description('consume conversion jobs from Redis (production mode; needs REDIS_URL)')
  .action(async () => {
    const { main } = await import('../main.js');
    await main('worker');
  });

/** Every trace option of the API as a flag (generated from OPTION_SPECS), parsed exactly as the API parses them. */
function withConvertOptions(command: Command): Command {
  return addOptionFlags(command, 'trace');
}

function convertOptions(opts: Record<string, unknown>): { options: ConvertOptions; query: URLSearchParams } {
  const query = new URLSearchParams(optionValues(opts, 'trace'));
  try {
    return { options: parseOptions(Object.fromEntries(query)), query };
  } catch (err) {
    return usageError(err instanceof AppError ? err.detail : String(err));
  }
}

/** The input's kind, or one sentence and exit status 2 when it is not there (never a stack trace). */
async function inputKind(input: string): Promise<'file' | 'folder'> {
  const info = await stat(input).catch((err: NodeJS.ErrnoException) =>
    usageError(`${input} ${err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`}; give an image file or a folder.`),
  );
  return info.isDirectory() ? 'folder' : 'file';
}

/** The export flags (format, size, grouping), parsed exactly as the API parses them. */
function exportOptions(opts: Record<string, unknown>): CliExports {
  try {
    return exportsFrom(opts);
  } catch (err) {
    return usageError(err instanceof AppError ? err.detail : String(err));
  }
}

withExportOptions(withConvertOptions(
  program
    .command('convert')
    .description('convert an image or a folder of images in this process')
    .argument('<input>', 'an image file, a folder (searched recursively), or - for standard input')
    .requiredOption('-o, --out <dir>', 'folder for the SVGs (the input folder structure is mirrored), or - for standard output'),
)).action(async (input: string, opts: Record<string, string | undefined>) => {
  const { options } = convertOptions(opts);
  const exports = exportOptions(opts);
  const kind = input === '-' ? 'file' : await inputKind(input);
  if (opts.out === '-' && kind === 'folder') usageError('-o - writes one SVG to standard output; give one image, not a folder.');
  const { convertCommand } = await import('./convert.js');
  const { failed } = await convertCommand(loadConfigOrExit(), input, opts.out!, options, exports);
  process.exitCode = failed > 0 ? 1 : 0;
});

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`Expected a whole number of at least 1 for ${name} but received ${value}.`);
  return n;
};
const regex = (value: string) => {
  try {
    return new RegExp(value);
  } catch {
    throw new InvalidArgumentError(`Expected a regular expression but received ${value}.`);
  }
};

withExportOptions(withConvertOptions(
  program
    .command('batch')
    .description('convert a whole folder through a running service (--url) or in this process (--local), resumably, with a report')
    .argument('<folder>', 'folder of images (searched recursively)')
    .requiredOption('-o, --out <dir>', 'folder for the SVGs, report.json and report.csv (the input structure is mirrored)')
    .option('--url <service>', 'base URL of a running SVG-AI service, e.g. http://localhost:8080')
    .option('--local', 'convert in this process instead of calling a service', false)
    .option('--concurrency <n>', 'images in flight at once', positiveInt('--concurrency'), 4)
    .option('--retries <n>', 'retries of a transient failure per image', positiveInt('--retries'), 4)
    .option('--timeout <seconds>', 'longest one request to the service may take (a longer one is retried)', positiveInt('--timeout'), DEFAULT_TIMEOUT_MS / 1000)
    .option('--include <regex>', 'only files whose relative path matches', regex)
    .option('--exclude <regex>', 'skip files whose relative path matches', regex)
    .option('--api-key <key>', 'API key for the service (or SVG_AI_API_KEY)'),
)).action(async (folder: string, opts: Record<string, unknown>) => {
  if (!opts.url === !opts.local) program.error('error: give exactly one of --url <service> or --local', { exitCode: 2 });
  const { options, query } = convertOptions(opts);
  const exports = exportOptions(opts);
  await inputKind(folder);
  const { batchCommand } = await import('./batch.js');
  const { summary } = await batchCommand(loadConfigOrExit(), {
    input: folder,
    out: String(opts.out),
    url: opts.url as string | undefined,
    local: opts.local === true,
    options,
    query,
    concurrency: opts.concurrency as number,
    retries: opts.retries as number,
    timeoutMs: (opts.timeout as number) * 1000,
    include: opts.include as RegExp | undefined,
    exclude: opts.exclude as RegExp | undefined,
    apiKey: (opts.apiKey as string | undefined) ?? process.env.SVG_AI_API_KEY,
    exports,
  });
  process.exitCode = summary.failed > 0 ? 1 : 0;
});

program
  .command('bench')
  .description('benchmark SVG-AI beside the peer engines on a corpus folder (tier1/, tier2/, tier3/, svg/)')
  .argument('<corpus>', 'corpus folder')
  .option('--json <file>', 'also write the raw measurements as JSON')
  .option('--limit <n>', 'at most n images per tier folder', (v) => Number(v))
  .option('--group <names>', 'only these groups, comma-separated: tier1, tier2, tier3, transparent', (v) => v.split(',').map((g) => g.trim()).filter(Boolean))
  .action(async (corpus: string, opts: { json?: string; limit?: number; group?: string[] }) => {
    const { benchCommand } = await import('./bench.js');
    await benchCommand(loadConfigOrExit(), corpus, { ...opts, groups: opts.group });
  });

await program.parseAsync(process.argv);
