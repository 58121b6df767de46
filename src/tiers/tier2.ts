/**
 * Tier 2 — flat illustrations and clip art: a handful of flat colours over many regions.
 * vtracer's hierarchical clustering handles many small regions quickly; colour potrace is the
 * fallback when a palette limit is asked for or vtracer misses the target.
 */
import { DEFAULT_IMAGETRACER_PARAMS } from '../engines/imagetracer.js';
import { DEFAULT_POTRACE_PARAMS } from '../engines/potrace.js';
import { VTRACER_CLI_DEFAULTS } from '../engines/vtracer.js';
import { plansFor, searchPlans, type Plan, type StrategyContext, type TierStrategy } from './strategy.js';

const TRACE_SIDE = 1024;

export function tier2Plans(ctx: StrategyContext): Plan[] {
  const colors = ctx.maxColors ?? Math.min(16, Math.max(4, ctx.features.c95 + 3));
  const potrace: Plan = {
    engine: 'potrace',
    params: { ...DEFAULT_POTRACE_PARAMS, maxColors: colors },
    maxSide: TRACE_SIDE,
    label: `potrace ${colors} colours`,
  };
  const vtracer: Plan = { engine: 'vtracer', params: VTRACER_CLI_DEFAULTS, maxSide: TRACE_SIDE, label: 'vtracer defaults' };
  const imagetracer: Plan = {
    engine: 'imagetracer',
    params: { ...DEFAULT_IMAGETRACER_PARAMS, numberofcolors: colors },
    maxSide: TRACE_SIDE,
    label: `imagetracer ${colors} colours`,
  };
  return ctx.maxColors ? [potrace, vtracer, imagetracer] : [vtracer, potrace, imagetracer];
}

export const tier2: TierStrategy = {
  tier: 2,
  run: (ctx) => searchPlans(ctx, plansFor(ctx, tier2Plans(ctx))),
};
