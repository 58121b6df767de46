/**
 * Tier 1 — logos, icons, line art: one colour family on a background. Potrace per colour layer has
 * the best curve fitting for these; layers are stacked so no seam shows where colours meet.
 */
import { DEFAULT_POTRACE_PARAMS, type PotraceParams } from '../engines/potrace.js';
import { DEFAULT_IMAGETRACER_PARAMS } from '../engines/imagetracer.js';
import { VTRACER_CLI_DEFAULTS, type VtracerParams } from '../engines/vtracer.js';
import { plansFor, searchPlans, type Plan, type StrategyContext, type TierStrategy } from './strategy.js';

const TRACE_SIDE = 1024;

/**
 * Potrace's curve settings for logos, chosen by SSIM per byte on the corpus's tier 1 (16 images,
 * integer grid on) and by looking at small circles: a curve-joining tolerance of 0.25 instead of
 * 0.2 merges more curve pieces, 5.5 % fewer bytes, the median SSIM unchanged (0.9967), no image
 * more than 0.0003 lower. 0.3 saved 9 % but took the median to 0.9966. Corner thresholds below
 * potrace's 1 (0.8: 3 % fewer bytes, median 0.9970) put sharp corners on small traced circles
 * (the owl's pupils, the python's eyes): circles must stay round, so it stays 1.
 */
export const TIER1_CURVES = { alphaMax: 1, optTolerance: 0.25 } as const;

const potrace = (maxColors: number): Plan => ({
  engine: 'potrace',
  params: { ...DEFAULT_POTRACE_PARAMS, ...TIER1_CURVES, maxColors } satisfies PotraceParams,
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
