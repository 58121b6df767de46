/**
 * Tier 1 — logos, icons, line art: one colour family on a background. Potrace per colour layer has
 * the best curve fitting for these; layers are stacked so no seam shows where colours meet.
 */
import { DEFAULT_POTRACE_PARAMS, type PotraceParams } from '../engines/potrace.js';
import { DEFAULT_IMAGETRACER_PARAMS } from '../engines/imagetracer.js';
import { VTRACER_CLI_DEFAULTS, type VtracerParams } from '../engines/vtracer.js';
import { plansFor, searchPlans, type Plan, type StrategyContext, type TierStrategy } from './strategy.js';

const TRACE_SIDE = 1024;

const potrace = (maxColors: number): Plan => ({
  engine: 'potrace',
  params: { ...DEFAULT_POTRACE_PARAMS, maxColors } satisfies PotraceParams,
  maxSide: TRACE_SIDE,
  label: `potrace ${maxColors} colours`,
});

export function tier1Plans(ctx: StrategyContext): Plan[] {
  // Anti-aliasing adds blends between the flat colours; a colour or two beyond c95 absorbs them.
  const colors = ctx.options.maxColors ?? Math.min(8, Math.max(2, ctx.features.c95 + 1));
  return [
    potrace(colors),
    ...(ctx.options.maxColors ? [] : [potrace(Math.min(12, colors + 3))]),
    {
      engine: 'vtracer',
      params: { ...VTRACER_CLI_DEFAULTS, mode: 'polygon' } satisfies VtracerParams,
      maxSide: TRACE_SIDE,
      label: 'vtracer polygons',
    },
    { engine: 'imagetracer', params: { ...DEFAULT_IMAGETRACER_PARAMS, numberofcolors: Math.max(colors, 4) }, maxSide: TRACE_SIDE, label: 'imagetracer' },
  ];
}

export const tier1: TierStrategy = {
  tier: 1,
  run: (ctx) => searchPlans(ctx, plansFor(ctx, tier1Plans(ctx))),
};
