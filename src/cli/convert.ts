/**
 * `svg-ai convert <file|folder|-> -o <dir|->`: converts in this process, on its own worker-thread
 * pool. `-` as the input reads one image from standard input; `-o -` writes the one SVG to standard
 * output (and every other line to standard error, so the output is the SVG alone).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import cliProgress from 'cli-progress';
import type { Config } from '../config/config.js';
import { toAppError } from '../errors/app-error.js';
import type { ConvertOptions } from '../pipeline/options.js';
import { TracePool } from '../queue/thread-pool.js';
import { walkInput, type Walk } from './walk.js';
import { closeExportPool, exportResult } from '../export/export-pool.js';
import { SVG_ONLY, writeExports, type CliExports } from './export-files.js';

export const STDIO = '-';

export interface ConvertCliResult {
  converted: number;
  skipped: number;
  failed: number;
}

/** Standard input as one image: the name it has in lines, and where its SVG goes in a folder. */
const STDIN_NAME = 'stdin';

export async function convertCommand(config: Config, input: string, outDir: string, options: ConvertOptions, exports: CliExports = SVG_ONLY): Promise<ConvertCliResult> {
  const walk: Walk = input === STDIO ? { root: '.', images: [STDIN_NAME], skipped: [] } : await walkInput(input);
  const toStdout = outDir === STDIO;
  // With the SVG on standard output, every report line goes to standard error.
  const say = toStdout ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const files = walk.images;
  const pool = new TracePool(config);
  const showBar = files.length > 1 && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { format: 'converting [{bar}] {value}/{total} | {eta_formatted} left | {file}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  for (const { file, reason } of walk.skipped) say(`${file}: skipped, ${reason}`);
  if (showBar) bar.start(files.length, 0, { file: '' });
  const deferred: string[] = [];
  let converted = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      const rel = input === STDIO ? STDIN_NAME : path.relative(walk.root, file);
      try {
        const bytes = input === STDIO ? await buffer(process.stdin) : await readFile(file);
        const result = await pool.convert(bytes, options);
        if (toStdout) {
          // Standard output holds one file: the first format asked.
          process.stdout.write(exports.asked ? (await exportResult(result, { ...exports.options, format: exports.formats[0]! })).body : result.svg);
        } else {
          await writeExports(result, path.join(outDir, rel.replace(/\.[^.]+$/, '')), exports);
        }
        converted++;
        const line = `${rel}: tier ${result.tier}, ${result.engine}, SSIM ${result.ssim.toFixed(4)}, ${result.durationMs} ms, ${(result.bytes / 1024).toFixed(1)} KB`;
        if (!showBar) say(line);
      } catch (err) {
        failed++;
        const e = toAppError(err);
        const line = `${rel}: failed ${e.code}: ${e.detail}`;
        // A line printed under a live progress bar would be overwritten: keep it for after.
        if (showBar) deferred.push(line);
        else console.error(line);
      }
      if (showBar) bar.increment({ file: rel });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(config.WORKER_THREADS, files.length) }, worker));
  } finally {
    if (showBar) bar.stop();
    await pool.close();
    await closeExportPool();
  }
  for (const line of deferred) console.error(line);
  const skipped = walk.skipped.length;
  say(`${converted} converted, ${skipped} skipped, ${failed} failed${toStdout ? '' : `, ${exports.formats.join(', ').toUpperCase()} in ${outDir}`}`);
  return { converted, skipped, failed };
}
