/**
 * Tier 3 — photos, gradients, shading. Noise is every tracer's worst case (seconds, megabytes), so
 * trace a reduced copy first and only spend more pixels and colours when the score asks for it.
 */
import { DEFAULT_IMAGETRACER_PARAMS } from '../engines/imagetracer.js';
import { DEFAULT_POTRACE_PARAMS } from '../engines/potrace.js';
import { VTRACER_CLI_DEFAULTS } from '../engines/vtracer.js';
import { plansFor, searchPlans, type Plan, type StrategyContext, type TierStrategy } from './strategy.js';

export function tier3Plans(ctx: StrategyContext): Plan[] {
  const vtracer = (maxSide: number, filterSpeckle: number, layerDifference: number): Plan => ({
    engine: 'vtracer',
    params: { ...VTRACER_CLI_DEFAULTS, filterSpeckle, layerDifference },
    maxSide,
    label: `vtracer ${maxSide}px speckle ${filterSpeckle} step ${layerDifference}`,
  });
  const colors = ctx.maxColors ?? 24;
  return [
    vtracer(384, 4, 24),
    vtracer(512, 4, 16),
    vtracer(768, 4, 16),
    vtracer(1024, 2, 8),
    {
      engine: 'imagetracer',
      params: { ...DEFAULT_IMAGETRACER_PARAMS, numberofcolors: colors, blurradius: 1 },
      maxSide: 512,
      label: `imagetracer ${colors} colours`,
    },
    { engine: 'potrace', params: { ...DEFAULT_POTRACE_PARAMS, maxColors: Math.min(colors, 16) }, maxSide: 512, label: 'potrace' },
  ];
}

export const tier3: TierStrategy = {
  tier: 3,
  run: (ctx) => searchPlans(ctx, plansFor(ctx, tier3Plans(ctx))),
};
