/** Turns (engine, params, image) into a scored candidate: trace, fit, optimise, check, render, SSIM. */
import type { EngineName, RgbaImage } from '../engines/engine.js';
import { engines } from '../engines/index.js';
import { AppError } from '../errors/app-error.js';
import { renderSvg } from '../quality/rasterize.js';
import { measureSsim } from '../quality/ssim.js';
import { assertSafeSvg } from '../quality/svg-allowlist.js';
import type { Candidate } from '../tiers/strategy.js';
import type { DecodedImage } from './decode.js';
import { fitSvgToSize, optimizeSvg } from './optimize.js';

export interface Evaluator {
  evaluate(engine: EngineName, params: object, image: RgbaImage, label: string): Promise<Candidate>;
  /** SSIMs measured so far, by exact SVG text: the score stage re-uses a measurement only for identical bytes. */
  readonly measured: Map<string, number>;
}

export function scoreSvg(source: DecodedImage, svg: string): number {
  return measureSsim(source, renderSvg(svg, source.width, source.height));
}

export function makeEvaluator(source: DecodedImage, maxSvgBytes: number): Evaluator {
  const measured = new Map<string, number>();
  return {
    measured,
    async evaluate(engine, params, image, label) {
      const engineImpl = engines[engine] as { trace(image: RgbaImage, params: object): Promise<string> };
      const raw = await engineImpl.trace(image, params);
      const svg = optimizeSvg(fitSvgToSize(raw, source.width, source.height, image.width, image.height));
      if (svg.length > maxSvgBytes) {
        throw new AppError('TOO_COMPLEX', `The traced SVG would be ${(svg.length / 1e6).toFixed(1)} MB, over the ${(maxSvgBytes / 1e6).toFixed(1)} MB limit.`);
      }
      assertSafeSvg(svg);
      const ssim = scoreSvg(source, svg);
      measured.set(svg, ssim);
      return { engine, label, svg, ssim, bytes: Buffer.byteLength(svg) };
    },
  };
}
