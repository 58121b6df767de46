/**
 * Every corpus image converted, then exported as PDF, EPS, DXF and PNG and read back by a program
 * that did not write the file (poppler, Ghostscript, dxf-parser, sharp): each scores within 0.01
 * SSIM of the SVG's own score. The transparent set (the corpus's SVGs rendered with no background)
 * goes through PDF, the format that keeps transparency, and poppler's page must match the SVG's
 * render over white. Skips, saying so, where the corpus or a program is absent.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTransparentImages } from '../src/bench/corpus.js';
import { exportResult } from '../src/export/export-pool.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { DEFAULT_EXPORT } from '../src/pipeline/options.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { measureSsim } from '../src/quality/ssim.js';
import { decodeImage } from '../src/pipeline/decode.js';
import { probeImage } from '../src/pipeline/probe.js';
import { sniffFormat } from '../src/pipeline/sniff.js';
import { TracePool } from '../src/queue/thread-pool.js';
import { readBackAll } from './helpers/export-readback.js';
import { readBackFormats, renderPdf } from './helpers/render-back.js';
import { testConfig } from './helpers/service.js';

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus');
const present = existsSync(path.join(CORPUS, 'tier1'));
if (!present) console.warn('[export-corpus] skipped: no corpus at ../shared/corpus (it is not part of the project)');
const formats = present ? readBackFormats() : [];

// The machine may be loaded: generous deadlines so a slow trace is not mistaken for a failure.
const config = testConfig({ WORKER_THREADS: 2, DEADLINE_TIER1_MS: 120_000, DEADLINE_TIER2_MS: 120_000, DEADLINE_TIER3_MS: 180_000, QUEUE_WAIT_MS: 50_000 });
const pool = present ? new TracePool(config) : undefined;
afterAll(() => pool?.close());

const files = present
  ? (
      await Promise.all(
        [1, 2, 3].map(async (tier) =>
          (await readdir(path.join(CORPUS, `tier${tier}`))).filter((f) => f.endsWith('.png')).sort().map((f) => `tier${tier}/${f}`),
        ),
      )
    ).flat()
  : [];

describe.skipIf(!present)('every format read back by an independent program scores within 0.01 of the SVG', () => {
  it.each(files)('%s', { timeout: 300_000 }, async (file) => {
    const input = await readFile(path.join(CORPUS, file));
    const result = await pool!.convert(input, { tier: 'auto', engine: 'auto' });
    const source = await decodeImage(input, await probeImage(input, sniffFormat(input)), limitsFromConfig(config));
    // DXF has no gradient fills: a gradient becomes its stops' mean colour (README, "what each
    // format cannot express"). Such a result's DXF is held to the flat-fill trace of the same image
    // instead (gradients=off, what a cutter's user asks for), the others to the result itself.
    const flatOnly = /<(linear|radial)Gradient/.test(result.svg);
    for (const back of await readBackAll(result, source, flatOnly ? formats.filter((f) => f !== 'dxf') : formats)) {
      expect(Math.abs(back.ssim - result.ssim), `${file} ${back.format}: ${back.ssim.toFixed(4)} vs SVG ${result.ssim.toFixed(4)}`).toBeLessThanOrEqual(0.01);
    }
    if (flatOnly && formats.includes('dxf')) {
      const flat = await pool!.convert(input, { tier: 'auto', engine: 'auto', gradients: 'off' });
      expect(flat.svg, `${file}: gradients=off draws no gradient`).not.toMatch(/<(linear|radial)Gradient/);
      for (const back of await readBackAll(flat, source, ['dxf'])) {
        expect(Math.abs(back.ssim - flat.ssim), `${file} dxf (gradients=off): ${back.ssim.toFixed(4)} vs SVG ${flat.ssim.toFixed(4)}`).toBeLessThanOrEqual(0.01);
      }
    }
  });
});

const transparent = present && formats.includes('pdf') ? (await loadTransparentImages(CORPUS)).images : [];

describe.skipIf(transparent.length === 0)('a transparent image\'s PDF looks like its SVG over white', () => {
  it.each(transparent.map((image) => [image.file, image] as const))('%s', { timeout: 300_000 }, async (_file, image) => {
    const result = await pool!.convert(image.png, { tier: 'auto', engine: 'auto' });
    const { width, height } = result;
    const file = await exportResult(result, { ...DEFAULT_EXPORT, format: 'pdf' }, { offThread: false });
    const own = renderSvg(result.svg, width, height).premultiplied;
    // The SVG's render composited onto white: a PDF page is white where nothing is drawn.
    const data = new Uint8Array(own.length);
    for (let i = 0; i < own.length; i += 4) {
      for (let c = 0; c < 3; c++) data[i + c] = own[i + c]! + 255 - own[i + 3]!;
      data[i + 3] = 255;
    }
    // Measured 0.9968 at the lowest; a gradient with opacity painted over its whole box scored far below.
    const ssim = measureSsim({ width, height, data, hasTransparency: false }, await renderPdf(file.body, width, height));
    expect(ssim, `${image.file}: PDF vs SVG over white`).toBeGreaterThan(0.99);
  });
});
