/** `svg-ai convert <file|folder> -o <dir>`: converts in this process, on its own worker-thread pool. */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Config } from '../config/config.js';
import { toAppError } from '../errors/app-error.js';
import type { ConvertOptions } from '../pipeline/options.js';
import { TracePool } from '../queue/thread-pool.js';
import { closeExportPool } from '../export/export-pool.js';
import { writeExports, type CliExports } from './export-files.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif']);

export async function listImages(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return [root];
  const found: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      found.push(path.join(entry.parentPath, entry.name));
    }
  }
  return found.sort();
}

export interface ConvertCliResult {
  converted: number;
  failed: number;
}

const SVG_ONLY: CliExports = { formats: ['svg'], options: { unit: 'px', dpi: 96, groupBy: 'none' }, asked: false };

export async function convertCommand(config: Config, input: string, outDir: string, options: ConvertOptions, exports: CliExports = SVG_ONLY): Promise<ConvertCliResult> {
  const files = await listImages(input);
  const root = (await stat(input)).isFile() ? path.dirname(input) : input;
  const pool = new TracePool(config);
  const showBar = files.length > 1 && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { format: 'converting [{bar}] {value}/{total} | {eta_formatted} left | {file}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  if (showBar) bar.start(files.length, 0, { file: '' });
  const deferred: string[] = [];
  let converted = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      const rel = path.relative(root, file);
      const base = path.join(outDir, rel.replace(/\.[^.]+$/, ''));
      try {
        const result = await pool.convert(await readFile(file), options);
        await writeExports(result, base, exports);
        converted++;
        const line = `${rel}: tier ${result.tier}, ${result.engine}, SSIM ${result.ssim.toFixed(4)}, ${result.durationMs} ms, ${(result.bytes / 1024).toFixed(1)} KB`;
        if (!showBar) console.log(line);
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
  console.log(`${converted} converted, ${failed} failed, ${exports.formats.join(', ').toUpperCase()} in ${outDir}`);
  return { converted, failed };
}
