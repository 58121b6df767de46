/**
 * The centerline tracer as the pipeline's trace stage runs it: on the source (reduced to the trace
 * size limit when larger), its SVG checked against the size limit and the allowlist and scored
 * like any other candidate, the strokes rendered at their width against the full-size source.
 */
import { AppError } from '../errors/app-error.js';
import type { DecodedImage } from '../pipeline/decode.js';
import { scoreSvg } from '../pipeline/evaluate.js';
import type { ConvertOptions } from '../pipeline/options.js';
import { scaleToLongerSide } from '../pipeline/resize.js';
import { assertSafeSvg } from '../quality/svg-allowlist.js';
import type { Candidate } from '../tiers/strategy.js';
import { traceCenterline, type CenterlineFacts } from './index.js';
import { assertStrokesFit } from './line-art.js';

export async function centerlineCandidate(
  source: DecodedImage,
  options: ConvertOptions,
  limits: { traceMaxSide: number; maxSvgBytes: number },
): Promise<{ candidate: Candidate; facts: CenterlineFacts }> {
  const longer = Math.max(source.width, source.height);
  const image = longer > limits.traceMaxSide ? await scaleToLongerSide(source, limits.traceMaxSide) : source;
  const scale = image.width / source.width;
  const width = options.strokeWidth;
  const trace = traceCenterline(image, {
    strokeWidth: typeof width === 'number' ? width * scale : 'auto',
    strokeColor: options.strokeColor ?? 'auto',
    precision: options.precision,
    size: { width: source.width, height: source.height },
  });
  const svg = trace.svg;
  if (svg.length > limits.maxSvgBytes) {
    throw new AppError('TOO_COMPLEX', `The traced SVG would be ${(svg.length / 1e6).toFixed(1)} MB, over the ${(limits.maxSvgBytes / 1e6).toFixed(1)} MB limit.`);
  }
  assertSafeSvg(svg);
  const ssim = await scoreSvg(source, svg);
  assertStrokesFit(ssim);
  const facts = scale === 1 ? trace.facts : rescale(trace.facts, 1 / scale);
  return {
    candidate: { engine: 'centerline', label: `centerline ${facts.strokes} strokes`, svg, ssim, bytes: Buffer.byteLength(svg) },
    facts,
  };
}

/** Facts in source pixels when the trace ran on a reduced copy. */
function rescale(facts: CenterlineFacts, k: number): CenterlineFacts {
  return {
    ...facts,
    inks: facts.inks.map((i) => ({ ...i, width: Math.round(i.width * k * 100) / 100 })),
    penUpTravel: { before: Math.round(facts.penUpTravel.before * k), after: Math.round(facts.penUpTravel.after * k) },
    drawnLength: Math.round(facts.drawnLength * k),
  };
}
