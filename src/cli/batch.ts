/**
 * `svg-ai batch <folder> --out <dir> (--url <service> | --local)`: converts a whole folder,
 * mirroring its structure, resumable, and writes report.json and report.csv.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Manifest } from '../batch/manifest.js';
import { convertRemote, ItemFailure, type RemoteResult } from '../batch/remote.js';
import { summarize, toCsv, type ReportRow } from '../batch/report.js';
import type { Config } from '../config/config.js';
import { toAppError } from '../errors/app-error.js';
import type { ConversionResult } from '../pipeline/convert.js';
import { canonicalOptions, type ConvertOptions } from '../pipeline/options.js';
import { TracePool } from '../queue/thread-pool.js';
import { closeExportPool } from '../export/export-pool.js';
import { FORMATS } from '../export/formats.js';
import { SVG_ONLY, writeExports, type CliExports } from './export-files.js';
import { walkInput } from './walk.js';

export interface BatchCliOptions {
  input: string;
  out: string;
  url?: string | undefined;
  local: boolean;
  options: ConvertOptions;
  /** The same options as query parameters, for the remote service. */
  query: URLSearchParams;
  concurrency: number;
  retries: number;
  /** Longest one request to the service may take before it counts as a transient failure. */
  timeoutMs?: number;
  include?: RegExp | undefined;
  exclude?: RegExp | undefined;
  apiKey?: string | undefined;
  /** The files written per image (default: the SVG as converted). */
  exports?: CliExports | undefined;
}

export interface BatchOutcome {
  rows: ReportRow[];
  summary: ReturnType<typeof summarize>;
}

/** The reason of a row skipped because its SVG is already written for the same bytes and options. */
export const ALREADY_DONE = 'already converted (same bytes and options)';

function line(row: ReportRow): string {
  if (row.status === 'failed') return `${row.file}: failed ${row.error}`;
  if (row.status === 'skipped' && row.reason !== ALREADY_DONE) return `${row.file}: skipped, ${row.reason}`;
  const facts = `tier ${row.tier}, ${row.engine}, SSIM ${row.ssim?.toFixed(4)}, ${row.ms} ms, ${((row.bytes ?? 0) / 1024).toFixed(1)} KB${row.cache === 'hit' ? ', from the service\'s cache' : ''}`;
  return `${row.file}: ${row.status === 'skipped' ? 'already done' : 'converted'} (${facts})`;
}

export async function batchCommand(config: Config, opts: BatchCliOptions): Promise<BatchOutcome> {
  const walk = await walkInput(opts.input);
  const left: ReportRow[] = walk.skipped.map(({ file, reason }) => ({ file, status: 'skipped', reason }));
  const files = walk.images.filter((file) => {
    const rel = path.relative(walk.root, file).split(path.sep).join('/');
    if (opts.include && !opts.include.test(rel)) left.push({ file: rel, status: 'skipped', reason: 'not matched by --include' });
    else if (opts.exclude?.test(rel)) left.push({ file: rel, status: 'skipped', reason: 'matched by --exclude' });
    else return true;
    return false;
  });
  left.sort((a, b) => a.file.localeCompare(b.file));
  await mkdir(opts.out, { recursive: true });
  const manifest = await Manifest.open(opts.out);
  const optionsKey = canonicalOptions(opts.options);
  const pool = opts.local ? new TracePool(config) : undefined;
  const convert = (bytes: Uint8Array): Promise<RemoteResult | ConversionResult> =>
    pool ? pool.convert(bytes, opts.options) : convertRemote(bytes, { baseUrl: opts.url!, query: opts.query, retries: opts.retries, apiKey: opts.apiKey, timeoutMs: opts.timeoutMs });

  const interactive = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    { format: '[{bar}] {value}/{total} | {rate}/min | ETA {eta_formatted} | {file}', stream: process.stderr, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  if (interactive) bar.start(files.length, 0, { file: '', rate: '0' });
  const rows: ReportRow[] = new Array(files.length);
  let next = 0;
  let finished = 0;

  const one = async (index: number) => {
    const file = files[index]!;
    const rel = path.relative(walk.root, file).split(path.sep).join('/');
    const exports = opts.exports ?? SVG_ONLY;
    const base = path.join(opts.out, rel.replace(/\.[^./]+$/, ''));
    const target = `${base}.${FORMATS[exports.formats[0]!].extension}`;
    let row: ReportRow;
    try {
      const bytes = await readFile(file);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const earlier = manifest.done(rel, sha256, optionsKey);
      if (earlier && (await readFile(target).then(() => true, () => false))) {
        row = { ...earlier, file: rel, status: 'skipped', reason: ALREADY_DONE };
      } else {
        const result = await convert(bytes);
        await writeExports(result, base, exports);
        row = { file: rel, status: 'converted', tier: result.tier, engine: result.engine, ssim: result.ssim, ms: result.durationMs, bytes: result.bytes };
        await manifest.record({ ...row, sha256, options: optionsKey });
        if ('cache' in result && result.cache) row.cache = result.cache;
      }
    } catch (err) {
      const code = err instanceof ItemFailure ? err.code : toAppError(err).code;
      row = { file: rel, status: 'failed', error: code };
    }
    rows[index] = row;
    finished++;
    if (interactive) {
      const perMinute = (finished / Math.max(1, Date.now() - started)) * 60_000;
      bar.increment({ file: rel, rate: perMinute.toFixed(0) });
    } else {
      console.log(line(row));
    }
  };

  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(opts.concurrency, files.length)) }, async () => {
        while (next < files.length) await one(next++);
      }),
    );
  } finally {
    if (interactive) bar.stop();
    await pool?.close();
    await closeExportPool();
  }

  // Files the walk left out are listed too, never silently dropped.
  for (const row of left) if (!interactive) console.log(line(row));
  rows.push(...left);
  const summary = summarize(rows);
  const alreadyDone = rows.filter((r) => r.status === 'skipped' && r.reason === ALREADY_DONE).length;
  const seconds = (Date.now() - started) / 1000;
  await writeFile(path.join(opts.out, 'report.json'), `${JSON.stringify({ summary: { ...summary, seconds }, items: rows }, null, 2)}\n`);
  await writeFile(path.join(opts.out, 'report.csv'), toCsv(rows));
  if (interactive) for (const row of rows.filter((r) => r.status === 'failed' || (r.status === 'skipped' && r.reason !== ALREADY_DONE))) console.error(line(row));
  const rate = seconds > 0 ? ((summary.converted / seconds) * 60).toFixed(1) : '0';
  console.log(
    `${summary.total} files: ${summary.converted} converted, ${alreadyDone} already done, ${summary.skipped - alreadyDone} skipped, ${summary.failed} failed in ${seconds.toFixed(1)} s (${rate}/min). Report: ${path.join(opts.out, 'report.json')}`,
  );
  return { rows, summary };
}
