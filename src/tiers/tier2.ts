/**
 * Tier 2 — flat illustrations and clip art: a handful of flat colours over many regions.
 * vtracer's hierarchical clustering handles many small regions quickly. Its polygons, written as
 * relative path data, measured smaller than its splines (47 vs 122 KB on the corpus's tier 2) at a
 * higher SSIM (0.990 vs 0.984 minimum), and five times smaller than colour potrace, whose stacked
 * layers repeat every boundary. Splines, then colour potrace, are the fallbacks.
 */
import { DEFAULT_IMAGETRACER_PARAMS } from '../engines/imagetracer.js';
import { DEFAULT_POTRACE_PARAMS } from '../engines/potrace.js';
import { VTRACER_CLI_DEFAULTS, type VtracerParams } from '../engines/vtracer.js';
import { plansFor, searchPlans, type Plan, type StrategyContext, type TierStrategy } from './strategy.js';

const TRACE_SIDE = 1024;

export function tier2Plans(ctx: StrategyContext): Plan[] {
  const colors = ctx.options.maxColors ?? Math.min(16, Math.max(4, ctx.features.c95 + 3));
  const potrace: Plan = {
    engine: 'potrace',
    params: { ...DEFAULT_POTRACE_PARAMS, maxColors: colors },
    maxSide: TRACE_SIDE,
    label: `potrace ${colors} colours`,
  };
  const polygons: Plan = {
    engine: 'vtracer',
    params: { ...VTRACER_CLI_DEFAULTS, mode: 'polygon' } satisfies VtracerParams,
    maxSide: TRACE_SIDE,
    label: 'vtracer polygons',
  };
  const splines: Plan = { engine: 'vtracer', params: VTRACER_CLI_DEFAULTS, maxSide: TRACE_SIDE, label: 'vtracer splines' };
  const imagetracer: Plan = {
    engine: 'imagetracer',
    params: { ...DEFAULT_IMAGETRACER_PARAMS, numberofcolors: colors },
    maxSide: TRACE_SIDE,
    label: `imagetracer ${colors} colours`,
  };
  return ctx.options.maxColors ? [potrace, polygons, imagetracer] : [polygons, splines, potrace, imagetracer];
}

export const tier2: TierStrategy = {
  tier: 2,
  run: (ctx) => searchPlans(ctx, plansFor(ctx, tier2Plans(ctx))),
};
