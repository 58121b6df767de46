/** Turns (engine, params, image) into a scored candidate: trace, fit, optimise, check, render, SSIM. */
import type { EngineName, RgbaImage } from '../engines/engine.js';
import { engines } from '../engines/index.js';
import { AppError } from '../errors/app-error.js';
import { renderSvg } from '../quality/rasterize.js';
import { measureSsim } from '../quality/ssim.js';
import { assertSafeSvg } from '../quality/svg-allowlist.js';
import type { Candidate } from '../tiers/strategy.js';
import type { DecodedImage } from './decode.js';
import { addGapFiller, fitSvgToSize, optimizeSvg, snapColours } from './optimize.js';
import type { Rgb } from '../color/quantize.js';
import { keepShapes, shapeOptions } from '../shapes/keep.js';

/** How a traced SVG is finished before it is scored. */
export interface Finish {
  /** Decimals of path coordinates, in trace pixels (default DEFAULT_PRECISION). */
  precision?: number;
  /** Stroke every shape in its own colour, this many *source* pixels wide (0 or unset: no strokes). */
  gapFiller?: number;
  /** Every fill and stroke colour is replaced by its nearest (Oklab) colour in this list. */
  colours?: Rgb[];
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
}

export function scoreSvg(source: DecodedImage, svg: string): number {
  return measureSsim(source, renderSvg(svg, source.width, source.height));
}

/** Trace, fit to the source's size, finish and optimise: the SVG that would be returned. */
export async function traceSvg(source: DecodedImage, engine: EngineName, params: object, image: RgbaImage, finish: Finish = {}): Promise<string> {
  const engineImpl = engines[engine] as { trace(image: RgbaImage, params: object): Promise<string> };
  const raw = await engineImpl.trace(image, params);
  let svg = fitSvgToSize(raw, source.width, source.height, image.width, image.height);
  if (finish.colours && finish.colours.length > 0) svg = snapColours(svg, finish.colours);
  if (finish.gapFiller && finish.gapFiller > 0) svg = addGapFiller(svg, (finish.gapFiller * image.width) / source.width);
  return optimizeSvg(svg, { precision: finish.precision ?? DEFAULT_PRECISION });
}

export function makeEvaluator(source: DecodedImage, maxSvgBytes: number, defaults: Finish = {}): Evaluator {
  const measured = new Map<string, number>();
  return {
    measured,
    async evaluate(engine, params, image, label, finish) {
      let svg = await traceSvg(source, engine, params, image, { ...defaults, ...finish });
      if (svg.length > maxSvgBytes) {
        throw new AppError('TOO_COMPLEX', `The traced SVG would be ${(svg.length / 1e6).toFixed(1)} MB, over the ${(maxSvgBytes / 1e6).toFixed(1)} MB limit.`);
      }
      assertSafeSvg(svg);
      let ssim = scoreSvg(source, svg);
      const f = { ...defaults, ...finish };
      if (f.shapes) {
        // Scored here, before the candidate is compared: the SSIM returned is that of the SVG with primitives.
        const options = shapeOptions(image.width / source.width, f.precision ?? DEFAULT_PRECISION);
        const kept = keepShapes(svg, ssim, (s) => scoreSvg(source, s), options);
        if (kept) {
          assertSafeSvg(kept.svg);
          ({ svg, ssim } = kept);
        }
      }
      measured.set(svg, ssim);
      return { engine, label, svg, ssim, bytes: Buffer.byteLength(svg) };
    },
  };
}
