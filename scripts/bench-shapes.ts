/**
 * Fitted shapes on one corpus tier folder (default tier 1): each image converted in process with
 * shapes=auto and shapes=off in one run, the primitives written per image, bytes and SSIM of both.
 * Usage: npm run bench:shapes [-- ../shared/corpus/tier1]
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadConfig, tierDeadlines } from '../src/config/config.js';
import { markdownTable, fmtSsim } from '../src/bench/table.js';
import { convertImage, type ConversionResult } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { parseOptions } from '../src/pipeline/options.js';
import { countPrimitives } from '../src/shapes/count.js';

const folder = process.argv[2] ?? '../shared/corpus/tier1';
if (!existsSync(folder)) {
  console.log(`bench:shapes skipped: folder ${folder} not found.`);
  process.exit(0);
}
const config = loadConfig(process.env, { LOG_LEVEL: 'silent' });
const limits = limitsFromConfig(config);
const deadlines = tierDeadlines(config);
const files = (await readdir(folder)).filter((f) => /\.(png|jpe?g|webp|gif)$/i.test(f)).sort();
const convert = async (input: Buffer, shapes: 'auto' | 'off'): Promise<ConversionResult> => convertImage(input, parseOptions({ shapes }), limits, deadlines);

// Warm-up (not counted): engines load lazily.
if (files[0]) await convert(await readFile(join(folder, files[0])), 'off');

const rows: string[][] = [];
let bytesOff = 0;
let bytesAuto = 0;
const ssimOff: number[] = [];
const ssimAuto: number[] = [];
let primitives = 0;
for (const file of files) {
  const input = await readFile(join(folder, file));
  const off = await convert(input, 'off');
  const auto = await convert(input, 'auto');
  const n = countPrimitives(auto.svg);
  const total = n.circle + n.ellipse + n.rect;
  primitives += total;
  bytesOff += off.bytes;
  bytesAuto += auto.bytes;
  ssimOff.push(off.ssim);
  ssimAuto.push(auto.ssim);
  rows.push([
    file,
    String(total),
    String(n.circle),
    String(n.ellipse),
    String(n.rect),
    String(off.bytes),
    String(auto.bytes),
    `${((1 - auto.bytes / off.bytes) * 100).toFixed(1)} %`,
    fmtSsim(off.ssim),
    fmtSsim(auto.ssim),
    (auto.ssim - off.ssim).toFixed(4),
  ]);
  process.stderr.write(`${file}: ${total} primitives, ${off.bytes} -> ${auto.bytes} bytes\n`);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? NaN;
rows.push([
  'total / median',
  String(primitives),
  '',
  '',
  '',
  String(bytesOff),
  String(bytesAuto),
  `${((1 - bytesAuto / bytesOff) * 100).toFixed(1)} %`,
  fmtSsim(median(ssimOff)),
  fmtSsim(median(ssimAuto)),
  '',
]);
console.log(`# Fitted shapes: ${basename(folder)} (${files.length} images), shapes=off vs shapes=auto in one run\n`);
console.log(
  markdownTable(
    ['image', 'primitives', 'circle', 'ellipse', 'rect', 'bytes off', 'bytes auto', 'bytes saved', 'SSIM off', 'SSIM auto', 'SSIM change'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  ),
);
console.log(`\nprimitives = <circle>, <ellipse> and <rect> elements in the shapes=auto SVG, not counting the engine's full-canvas background <rect>.`);
