#!/usr/bin/env node
/** The `svg-ai` command: serve, convert, bench. */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfigOrExit } from '../config/load-or-exit.js';
import { AppError } from '../errors/app-error.js';
import { parseOptions, type ConvertOptions } from '../pipeline/options.js';

const program = new Command()
  .name('svg-ai')
  .description('Raster-to-vector conversion: PNG, JPEG, WebP and GIF in, scored SVG out.')
  .showHelpAfterError();

program
  .command('serve')
  .description('start the HTTP service (embedded mode unless REDIS_URL is set)')
  .action(async () => {
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

/** The conversion options every converting command takes, parsed exactly as the API parses them. */
function withConvertOptions(command: Command): Command {
  return command
    .option('--tier <tier>', 'auto|1|2|3')
    .option('--engine <engine>', 'auto|potrace|imagetracer|vtracer')
    .option('--quality <ssim>', 'target SSIM')
    .option('--max-colors <n>', 'colour limit');
}

function convertOptions(opts: Record<string, unknown>): { options: ConvertOptions; query: URLSearchParams } {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ tier: opts.tier, engine: opts.engine, quality: opts.quality, max_colors: opts.maxColors })) {
    if (typeof value === 'string') query.set(key, value);
  }
  try {
    return { options: parseOptions(Object.fromEntries(query)), query };
  } catch (err) {
    return program.error(`error: ${err instanceof AppError ? err.detail : String(err)}`, { exitCode: 2 });
  }
}

withConvertOptions(
  program
    .command('convert')
    .description('convert an image or a folder of images in this process')
    .argument('<input>', 'an image file or a folder (searched recursively)')
    .requiredOption('-o, --out <dir>', 'folder for the SVGs (the input folder structure is mirrored)'),
).action(async (input: string, opts: Record<string, string | undefined>) => {
  const { options } = convertOptions(opts);
  const { convertCommand } = await import('./convert.js');
  const { failed } = await convertCommand(loadConfigOrExit(), input, opts.out!, options);
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

withConvertOptions(
  program
    .command('batch')
    .description('convert a whole folder through a running service (--url) or in this process (--local), resumably, with a report')
    .argument('<folder>', 'folder of images (searched recursively)')
    .requiredOption('-o, --out <dir>', 'folder for the SVGs, report.json and report.csv (the input structure is mirrored)')
    .option('--url <service>', 'base URL of a running SVG-AI service, e.g. http://localhost:8080')
    .option('--local', 'convert in this process instead of calling a service', false)
    .option('--concurrency <n>', 'images in flight at once', positiveInt('--concurrency'), 4)
    .option('--retries <n>', 'retries of a transient failure per image', positiveInt('--retries'), 4)
    .option('--include <regex>', 'only files whose relative path matches', regex)
    .option('--exclude <regex>', 'skip files whose relative path matches', regex)
    .option('--api-key <key>', 'API key for the service (or SVG_AI_API_KEY)'),
).action(async (folder: string, opts: Record<string, unknown>) => {
  if (!opts.url === !opts.local) program.error('error: give exactly one of --url <service> or --local', { exitCode: 2 });
  const { options, query } = convertOptions(opts);
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
    include: opts.include as RegExp | undefined,
    exclude: opts.exclude as RegExp | undefined,
    apiKey: (opts.apiKey as string | undefined) ?? process.env.SVG_AI_API_KEY,
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
