/**
 * Export benchmark: every corpus image (or one tier) converted once, then written in each format
 * at the source's size and read back by a program that did not write it (poppler, Ghostscript,
 * dxf-parser, sharp). Prints one table per format: SSIM read back against the SVG's own SSIM,
 * bytes and export time; then the latency of GET /api/results/{id} (re-export of a stored
 * tier-2 result, no trace) per format over HTTP.
 *
 *   npx tsx scripts/bench-export.ts [corpus=../shared/corpus] [--tier 1|2|3] [--limit n] [--repeat n]
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable, fmtKb, fmtSsim } from '../src/bench/table.js';
import { median, percentile } from '../src/bench/stats.js';
import { loadConfig } from '../src/config/config.js';
import { exportResult, closeExportPool } from '../src/export/export-pool.js';
import { createLogger } from '../src/observability/logger.js';
import type { ConversionResult } from '../src/pipeline/convert.js';
import { decodeImage } from '../src/pipeline/decode.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { DEFAULT_EXPORT, type ExportFormat } from '../src/pipeline/options.js';
import { probeImage } from '../src/pipeline/probe.js';
import { sniffFormat } from '../src/pipeline/sniff.js';
import { TracePool } from '../src/queue/thread-pool.js';
import { startServer } from '../src/server.js';
import { readBackAll } from '../test/helpers/export-readback.js';
import { readBackFormats } from '../test/helpers/render-back.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const onlyTier = flag('--tier');
const limit = Number(flag('--limit') ?? Infinity);
const repeat = Number(flag('--repeat') ?? 50);
const corpus = path.resolve(args[0] ?? '../shared/corpus');
if (!existsSync(path.join(corpus, 'tier1'))) {
  console.error(`no corpus at ${corpus}`);
  process.exit(2);
}

const config = loadConfig({}, { LOG_LEVEL: 'silent', DEADLINE_TIER1_MS: 120_000, DEADLINE_TIER2_MS: 120_000, DEADLINE_TIER3_MS: 180_000, QUEUE_WAIT_MS: 50_000 });
const pool = new TracePool(config);
const formats = readBackFormats();
const tiers = onlyTier ? [Number(onlyTier)] : [1, 2, 3];

interface Row {
  tier: number;
  file: string;
  svgSsim: number;
  svgBytes: number;
  back: Awaited<ReturnType<typeof readBackAll>>;
  svgzBytes: number;
}
const rows: Row[] = [];
let tier2: ConversionResult | undefined;
for (const tier of tiers) {
  const files = (await readdir(path.join(corpus, `tier${tier}`))).filter((f) => f.endsWith('.png')).sort().slice(0, limit);
  for (const file of files) {
    const input = await readFile(path.join(corpus, `tier${tier}`, file));
    const result = await pool.convert(input, { tier: 'auto', engine: 'auto' });
    if (tier === 2 && (!tier2 || result.bytes > tier2.bytes)) tier2 = result;
    const source = await decodeImage(input, await probeImage(input, sniffFormat(input)), limitsFromConfig(config));
    const back = await readBackAll(result, source, formats);
    const svgz = await exportResult(result, { ...DEFAULT_EXPORT, format: 'svgz' });
    rows.push({ tier, file, svgSsim: result.ssim, svgBytes: result.bytes, back, svgzBytes: svgz.body.length });
    process.stderr.write(`${file}: ${back.map((b) => `${b.format} ${(b.ssim - result.ssim).toFixed(4)}`).join(', ')}\n`);
  }
}
await pool.close();

const f1 = (v: number | null) => (v === null ? '–' : v.toFixed(1));
console.log(`\nExport read back by an independent program, at the source's size (${rows.length} images). ΔSSIM = read-back SSIM - the SVG's SSIM.\n`);
for (const format of formats) {
  const reader = { pdf: 'poppler pdftoppm', eps: 'Ghostscript (4x, averaged)', dxf: 'dxf-parser, entities drawn by resvg', png: 'sharp (decode)' }[format];
  console.log(`### ${format.toUpperCase()} (read back by ${reader})\n`);
  const table = tiers.map((tier) => {
    const mine = rows.filter((r) => r.tier === tier).map((r) => ({ r, b: r.back.find((b) => b.format === format)! }));
    const deltas = mine.map(({ r, b }) => b.ssim - r.svgSsim);
    return [
      `tier ${tier}`,
      String(mine.length),
      fmtSsim(median(mine.map(({ r }) => r.svgSsim))),
      fmtSsim(median(mine.map(({ b }) => b.ssim))),
      (median(deltas) ?? 0).toFixed(4),
      Math.max(...deltas.map(Math.abs)).toFixed(4),
      `${mine.filter((_, i) => Math.abs(deltas[i]!) <= 0.01).length}/${mine.length}`,
      fmtKb((median(mine.map(({ b }) => b.bytes)) ?? 0) / 1024),
      fmtKb((median(mine.map(({ r }) => r.svgBytes)) ?? 0) / 1024),
      f1(median(mine.map(({ b }) => b.exportMs))),
      f1(percentile(mine.map(({ b }) => b.exportMs), 95)),
    ];
  });
  console.log(
    markdownTable(
      ['group', 'images', 'SVG SSIM (median)', 'read-back SSIM (median)', 'ΔSSIM median', '|ΔSSIM| max', 'within 0.01', 'KB (median)', 'SVG KB (median)', 'export ms (median)', 'export ms (p95)'],
      table,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  console.log('');
}
console.log('### SVGZ\n');
console.log(
  markdownTable(
    ['group', 'SVG KB (median)', 'SVGZ KB (median)'],
    tiers.map((tier) => {
      const mine = rows.filter((r) => r.tier === tier);
      return [`tier ${tier}`, fmtKb((median(mine.map((r) => r.svgBytes)) ?? 0) / 1024), fmtKb((median(mine.map((r) => r.svgzBytes)) ?? 0) / 1024)];
    }),
    ['left', 'right', 'right'],
  ),
);

// Re-export latency: the real service, a stored tier-2 result, GET /api/results/{id} per format.
if (tier2) {
  const api = await startServer(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0 }), createLogger('silent'));
  const base = `http://127.0.0.1:${api.port}`;
  // Store the result by converting the PNG of the chosen tier-2 image through the API once.
  const name = rows.filter((r) => r.tier === 2).find((r) => r.svgBytes === tier2!.bytes)!.file;
  const upload = await readFile(path.join(corpus, 'tier2', name));
  const converted = await fetch(`${base}/api/convert`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: upload });
  const id = converted.headers.get('x-svg-ai-result-id')!;
  await converted.arrayBuffer();
  const latency: string[][] = [];
  for (const format of ['svg', 'svgz', 'pdf', 'eps', 'dxf', 'png'] as ExportFormat[]) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < repeat + 3; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/api/results/${id}?format=${format}`);
      // Content-Length: fetch would count svgz after undoing its gzip encoding.
      await res.arrayBuffer();
      bytes = Number(res.headers.get('content-length'));
      if (res.status !== 200) throw new Error(`${format}: ${res.status}`);
      // The first few warm the code paths.
      if (i >= 3) times.push(performance.now() - t);
    }
    latency.push([format, fmtKb(bytes / 1024), f1(median(times)), f1(percentile(times, 95)), percentile(times, 95)! < 50 ? 'yes' : 'no']);
  }
  console.log(`\n### Re-export latency: GET /api/results/{id}, ${name} (tier 2, ${fmtKb(tier2.bytes / 1024)} KB SVG), ${repeat} requests per format over HTTP on localhost\n`);
  console.log(markdownTable(['format', 'KB', 'ms (median)', 'ms (p95)', 'p95 < 50 ms'], latency, ['left', 'right', 'right', 'right', 'left']));
  await api.shutdown();
}
await closeExportPool();
