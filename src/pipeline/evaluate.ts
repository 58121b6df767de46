/** Turns (engine, params, image) into a scored candidate: trace, fit, optimise, check, render, SSIM. */
import type { EngineName, RgbaImage } from '../engines/engine.js';
import { engines } from '../engines/index.js';
import { AppError } from '../errors/app-error.js';
import { throwIfCancelled } from './cancellation.js';
import { releaseNativeMemory } from '../quality/native-memory.js';
import { measureSvgSsim } from '../quality/ssim.js';
import { assertSafeSvg } from '../quality/svg-allowlist.js';
import type { Candidate } from '../tiers/strategy.js';
import type { DecodedImage } from './decode.js';
import { addGapFiller, fitSvgToSize, optimizeSvg, snapColours } from './optimize.js';
import { toIntegerGrid, type GridSvg } from './integer-grid.js';
import type { Rgb } from '../color/quantize.js';
import { fillRegions, type Segments } from '../gradients/fill.js';
import { toOutlines } from './stroke-style.js';
import { keepShapes, shapeOptions } from '../shapes/keep.js';
import { withGlow, type GlowLayer } from '../soft-edges/layer.js';

/** How a traced SVG is finished before it is scored. */
export interface Finish {
  /** Decimals of path coordinates, in trace pixels (default DEFAULT_PRECISION). */
  precision?: number;
  /** Stroke every shape in its own colour, this many *source* pixels wide (0 or unset: no strokes). */
  gapFiller?: number;
  /** Every fill and stroke colour is replaced by its nearest (Oklab) colour in this list. */
  colours?: Rgb[];
  /**
   * Refit every region's paint to these pixels (the traced image before any colour reduction,
   * same size): flat with opacity, or gradients where they pay (see gradients/fill.ts).
   */
  regions?: { image: RgbaImage; gradients: boolean; segments?: Segments };
  /** draw_style=stroke: every outline stroked this many *source* pixels wide, nothing filled (no gap filler then). */
  outline?: number;
  /** A glow drawn under the result (src/soft-edges/): the source's shape fades out into it. */
  glow?: GlowLayer;
  /** Regions a circle, ellipse or rectangle fits are written as that primitive, where the score allows (src/shapes/). */
  shapes?: boolean;
}

/**
 * One decimal of a trace pixel: at most 0.05 px of rounding, which measured under 0.0003 SSIM on
 * every corpus image (two decimals: no change at all; none: up to 0.003) for 10-20 % fewer bytes.
 */
export const DEFAULT_PRECISION = 1;

export interface Evaluator {
  evaluate(engine: EngineName, params: object, image: RgbaImage, label: string, finish?: Finish): Promise<Candidate>;
  /** SSIMs measured so far, by exact SVG text: the score stage re-uses a measurement only for identical bytes. */
  readonly measured: Map<string, number>;
  /** Milliseconds spent so far finishing and optimising candidates, and rendering and scoring them. */
  readonly spent: { optimize: number; score: number };
}

export async function scoreSvg(source: DecodedImage, svg: string): Promise<number> {
  const ssim = await measureSvgSsim(source, svg);
  // The renders are garbage now, outside the JS heap.
  await releaseNativeMemory(source.width * source.height);
  return ssim;
}

/**
 * Fit a traced SVG to the source's size, finish and optimise it: the SVG that would be returned,
 * and how many of its user units make one trace pixel (more than 1 on an integer grid).
 */
function finishSvg(source: DecodedImage, raw: string, image: RgbaImage, finish: Finish): GridSvg {
  let svg = fitSvgToSize(raw, source.width, source.height, image.width, image.height);
  if (finish.colours && finish.colours.length > 0) svg = snapColours(svg, finish.colours);
  if (finish.outline && finish.outline > 0) svg = toOutlines(svg, (finish.outline * image.width) / source.width);
  else if (finish.gapFiller && finish.gapFiller > 0) svg = addGapFiller(svg, (finish.gapFiller * image.width) / source.width);
  const precision = finish.precision ?? DEFAULT_PRECISION;
  const optimized = optimizeSvg(svg, { precision });
  // Outlines have no fill to refit.
  const filled = finish.regions && !finish.outline
    ? fillRegions(optimized, finish.regions.image, { gradients: finish.regions.gradients, segments: finish.regions.segments, cutHidden: { precision } })
    : optimized;
  const grid = toIntegerGrid(filled, precision);
  if (!finish.glow) return grid;
  // Last: the fill, the optimiser and the grid rewrite know nothing of a blurred group.
  return { svg: withGlow(grid.svg, finish.glow, grid.factor, gridDecimals(precision, grid.factor)), factor: grid.factor };
}

/** Decimals of `precision` left once the integer grid scaled the units by `factor` (10^k). */
function gridDecimals(precision: number, factor: number): number {
  return Math.max(0, precision - Math.round(Math.log10(factor)));
}

/** Trace, fit to the source's size, finish and optimise: the SVG that would be returned. */
export async function traceSvg(source: DecodedImage, engine: EngineName, params: object, image: RgbaImage, finish: Finish = {}): Promise<string> {
  const engineImpl = engines[engine] as { trace(image: RgbaImage, params: object): Promise<string> };
  return finishSvg(source, await engineImpl.trace(image, params), image, finish).svg;
}

export function makeEvaluator(source: DecodedImage, maxSvgBytes: number, defaults: Finish = {}): Evaluator {
  const measured = new Map<string, number>();
  const spent = { optimize: 0, score: 0 };
  return {
    measured,
    spent,
    async evaluate(engine, params, image, label, finish) {
      const engineImpl = engines[engine] as { trace(image: RgbaImage, params: object): Promise<string> };
      const raw = await engineImpl.trace(image, params);
      // A caller gone during the (native) trace: no optimising and scoring for nobody.
      throwIfCancelled();
      const optimizing = performance.now();
      const finished = finishSvg(source, raw, image, { ...defaults, ...finish });
      let svg = finished.svg;
      spent.optimize += performance.now() - optimizing;
      if (svg.length > maxSvgBytes) {
        throw new AppError('TOO_COMPLEX', `The traced SVG would be ${(svg.length / 1e6).toFixed(1)} MB, over the ${(maxSvgBytes / 1e6).toFixed(1)} MB limit.`);
      }
      assertSafeSvg(svg);
      const scoring = performance.now();
      let ssim = await scoreSvg(source, svg);
      spent.score += performance.now() - scoring;
      const f = { ...defaults, ...finish };
      if (f.shapes) {
        // Scored here, before the candidate is compared: the SSIM returned is that of the SVG with primitives.
        const fitting = performance.now();
        // On an integer grid the units are finer and the decimals fewer by the same factor.
        const decimals = gridDecimals(f.precision ?? DEFAULT_PRECISION, finished.factor);
        const options = shapeOptions((finished.factor * image.width) / source.width, decimals);
        const kept = await keepShapes(svg, ssim, (s) => scoreSvg(source, s), options);
        if (kept) {
          assertSafeSvg(kept.svg);
          ({ svg, ssim } = kept);
        }
        spent.score += performance.now() - fitting;
      }
      measured.set(svg, ssim);
      return { engine, label, svg, ssim, bytes: Buffer.byteLength(svg) };
    },
  };
}
