/** What a tier strategy is given and what it returns. One file per tier implements it. */
import type { EngineName, RgbaImage } from '../engines/engine.js';
import type { EngineChoice } from '../pipeline/options.js';
import type { DecodedImage } from '../pipeline/decode.js';
import type { Features } from '../pipeline/classify.js';
import type { Tier } from './thresholds.js';

export interface Candidate {
  engine: EngineName;
  /** Short description of the parameters, for logs and the JSON answer. */
  label: string;
  svg: string;
  ssim: number;
  bytes: number;
}

export interface StrategyContext {
  source: DecodedImage;
  features: Features;
  engine: EngineChoice;
  maxColors: number | undefined;
  /** SSIM to reach; strategies stop searching once a candidate meets it. */
  target: number;
  /** Epoch ms after which a strategy must stop trying new candidates and return its best. */
  budgetEndsAt: number;
  /** The source, downscaled so its longer side is at most `maxSide` (the source itself when already small). */
  resized(maxSide: number): Promise<RgbaImage>;
  /** Traces, optimises and scores one candidate against the full-size source. */
  evaluate(engine: EngineName, params: object, image: RgbaImage, label: string): Promise<Candidate>;
}

export interface TierStrategy {
  readonly tier: Tier;
  run(ctx: StrategyContext): Promise<Candidate>;
}

/** The candidate that meets the target with the fewest bytes, else the highest SSIM. */
export function pickBest(candidates: Candidate[], target: number): Candidate {
  const meeting = candidates.filter((c) => c.ssim >= target);
  const pool = meeting.length > 0 ? meeting : candidates;
  const best = pool.reduce((a, b) =>
    meeting.length > 0 ? (b.bytes < a.bytes ? b : a) : b.ssim > a.ssim ? b : a,
  );
  return best;
}

/** One thing to try: an engine, its parameters, and the size to trace at. */
export interface Plan {
  engine: EngineName;
  params: object;
  /** Longer side of the traced copy; the source is used as is when it is smaller. */
  maxSide: number;
  label: string;
}

/**
 * Tries plans in order (cheapest first) until one meets the target or the budget runs out, then
 * keeps the smallest candidate that meets the target. The first plan always runs, so there is
 * always an answer. A plan that fails (e.g. too complex) is skipped while others remain.
 */
export async function searchPlans(ctx: StrategyContext, plans: readonly Plan[]): Promise<Candidate> {
  const candidates: Candidate[] = [];
  let lastError: unknown;
  for (const plan of plans) {
    if (candidates.length > 0 && Date.now() >= ctx.budgetEndsAt) break;
    try {
      const image = await ctx.resized(plan.maxSide);
      const candidate = await ctx.evaluate(plan.engine, plan.params, image, plan.label);
      candidates.push(candidate);
      if (candidate.ssim >= ctx.target) break;
    } catch (err) {
      lastError = err;
    }
  }
  if (candidates.length === 0) throw lastError;
  return pickBest(candidates, ctx.target);
}

/** When the caller named an engine, only that engine's plans run. */
export function plansFor(ctx: StrategyContext, plans: readonly Plan[]): readonly Plan[] {
  if (ctx.engine === 'auto') return plans;
  const own = plans.filter((p) => p.engine === ctx.engine);
  return own.length > 0 ? own : plans;
}

// The helpers above are shared by all tiers; re-exported names keep imports short in tier files.
export type { EngineName };
