/**
 * One conversion exported in every format at the source's size and each file read back by its
 * independent program, scored against the source exactly as the pipeline scores the SVG.
 */
import { exportResult } from '../../src/export/export-pool.js';
import type { DecodedImage } from '../../src/pipeline/decode.js';
import type { ConversionResult } from '../../src/pipeline/convert.js';
import { DEFAULT_EXPORT } from '../../src/pipeline/options.js';
import type { RenderedSvg } from '../../src/quality/rasterize.js';
import { measureSsim } from '../../src/quality/ssim.js';
import { decodePng, readDxf, renderEps, renderPdf, renderSvgAt, type ReadBack, type ReadBackFormat } from './render-back.js';

export async function readBackAll(result: ConversionResult, source: DecodedImage, formats: readonly ReadBackFormat[]): Promise<ReadBack[]> {
  const out: ReadBack[] = [];
  const { width, height } = result;
  for (const format of formats) {
    const started = performance.now();
    const file = await exportResult(result, { ...DEFAULT_EXPORT, format }, { offThread: false });
    const exportMs = performance.now() - started;
    let rendered: RenderedSvg;
    if (format === 'pdf') rendered = await renderPdf(file.body, width, height);
    else if (format === 'eps') rendered = await renderEps(file.body, width, height);
    else if (format === 'png') rendered = await decodePng(file.body, width, height);
    else rendered = renderSvgAt(readDxf(file.body.toString(), file.size.width, file.size.height, 'fill').svg, width, height);
    out.push({ format, ssim: measureSsim(source, rendered), bytes: file.body.length, exportMs });
  }
  return out;
}
