#!/usr/bin/env node
/** The `svg-ai` command: serve, convert, bench. */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { AppError } from '../errors/app-error.js';
import { parseOptions } from '../pipeline/options.js';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

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

program
  .command('convert')
  .description('convert an image or a folder of images in this process')
  .argument('<input>', 'an image file or a folder (searched recursively)')
  .requiredOption('-o, --out <dir>', 'folder for the SVGs (the input folder structure is mirrored)')
  .option('--tier <tier>', 'auto|1|2|3')
  .option('--engine <engine>', 'auto|potrace|imagetracer|vtracer')
  .option('--quality <ssim>', 'target SSIM')
  .option('--max-colors <n>', 'colour limit')
  .action(async (input: string, opts: Record<string, string | undefined>) => {
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries({ tier: opts.tier, engine: opts.engine, quality: opts.quality, max_colors: opts.maxColors })) {
      if (value !== undefined) raw[key] = value;
    }
    let options;
    try {
      options = parseOptions(raw);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof AppError ? err.detail : String(err));
    }
    const { convertCommand } = await import('./convert.js');
    const { failed } = await convertCommand(configOrExit(), input, opts.out!, options);
    process.exitCode = failed > 0 ? 1 : 0;
  });

program
  .command('bench')
  .description('benchmark SVG-AI beside the peer engines on a corpus folder (tier1/, tier2/, tier3/, svg/)')
  .argument('<corpus>', 'corpus folder')
  .option('--json <file>', 'also write the raw measurements as JSON')
  .option('--limit <n>', 'at most n images per tier folder', (v) => Number(v))
  .action(async (corpus: string, opts: { json?: string; limit?: number }) => {
    const { benchCommand } = await import('./bench.js');
    await benchCommand(configOrExit(), corpus, opts);
  });

await program.parseAsync(process.argv);
