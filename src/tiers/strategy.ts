/** What a tier strategy is given and what it returns. One file per tier implements it. */
import type { EngineName, RgbaImage, TracerName } from '../engines/engine.js';
import { applyPalette, quantize, TRANSPARENT, type Quantized, type Rgb } from '../color/quantize.js';
import type { ConvertOptions, PaletteEntry } from '../pipeline/options.js';
import type { DecodedImage } from '../pipeline/decode.js';
import type { Features } from '../pipeline/classify.js';
import type { Finish } from '../pipeline/evaluate.js';
import { scaleToLongerSide } from '../pipeline/resize.js';
import { overContrast, segmentImage } from '../gradients/segment.js';
import type { Tier } from './thresholds.js';
import { softEdgeOf } from '../soft-edges/fit.js';

export interface Candidate {
  engine: TracerName;
  /** Short description of the parameters, for logs and the JSON answer. */
  label: string;
  svg: string;
  ssim: number;
  bytes: number;
}

export interface StrategyContext {
  source: DecodedImage;
  features: Features;
  /** Every caller option (engine, max_colors, palette, min_area, stacking, gap_filler, precision...). */
  options: ConvertOptions;
  /** SSIM to reach; strategies stop searching once a candidate meets it. */
  target: number;
  /** Epoch ms after which a strategy with a candidate that meets the target stops looking for a smaller one. */
  budgetEndsAt: number;
  /**
   * Epoch ms until which a strategy with no candidate meeting the target yet may keep trying
   * (never before budgetEndsAt): meeting the target comes before bytes, within the tier's time.
   */
  climbEndsAt: number;
  /** The source, downscaled so its longer side is at most `maxSide` (the source itself when already small). */
  resized(maxSide: number): Promise<RgbaImage>;
  /** Traces, optimises and scores one candidate against the full-size source. */
  evaluate(engine: EngineName, params: object, image: RgbaImage, label: string, finish?: Finish): Promise<Candidate>;
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
  /** Longer side of the traced copy; the source is used as is when it is smaller (unless `enlarge`). */
  maxSide: number;
  /** Enlarge (smoothly) a source smaller than maxSide to it. */
  enlarge?: boolean;
  label: string;
  /** How the SVG is finished (coordinate precision, gap filler); the caller's options win. */
  finish?: Finish;
  /**
   * Regions: one colour decision for the whole image (a global palette of this many colours,
   * shared by every tile), then every traced region's paint refitted to the pixels (flat with
   * opacity, or gradients unless the caller turned them off). Not with a caller's palette or max_colors.
   */
  regions?: {
    colours: number;
    alphaThreshold: number;
    /** Segment the whole image first (gradients/segment.ts) and trace its regions. */
    segment?: { mergeCost: number; minArea: number };
  };
  /**
   * Where a glow or soft shadow fades out around the image's shape (src/soft-edges/), draw it as
   * the blurred silhouette and trace the rest without it, where glowAllowed().
   */
  softEdge?: boolean;
}

// --- Caller options applied to a plan ---

/**
 * The image a plan traces: resized, then mapped to the caller's palette (each opaque pixel takes
 * its nearest entry's colour, or becomes transparent), or for vtracer, which has no colour limit
 * of its own, quantised to max_colors. Potrace and imagetracer take max_colors as a parameter.
 */
export async function planImage(ctx: StrategyContext, plan: Plan): Promise<{ image: RgbaImage; colours?: Rgb[] }> {
  const longer = Math.max(ctx.source.width, ctx.source.height);
  const image = plan.enlarge && plan.maxSide > longer ? await enlarged(ctx.source, plan.maxSide) : await ctx.resized(plan.maxSide);
  const palette = ctx.options.palette;
  if (palette && palette.length > 0) {
    const colours = palette.flatMap((e) => (e.to === 'transparent' ? [] : [e.to ?? { r: e.r, g: e.g, b: e.b }]));
    return { image: mapToPalette(image, palette), colours };
  }
  if (ctx.options.maxColors !== undefined && plan.engine === 'vtracer') {
    const q = quantize(image, { maxColors: ctx.options.maxColors });
    return { image: flatten(image, q), colours: q.palette };
  }
  return { image };
}

const enlargedCache = new WeakMap<RgbaImage, Map<number, Promise<RgbaImage>>>();

/** The source enlarged, once per size: rungs of a ladder share it (and what is cached on it). */
function enlarged(source: RgbaImage, side: number): Promise<RgbaImage> {
  let bySide = enlargedCache.get(source);
  if (!bySide) enlargedCache.set(source, (bySide = new Map()));
  let out = bySide.get(side);
  if (!out) bySide.set(side, (out = scaleToLongerSide(source, side)));
  return out;
}

/** Every opaque pixel replaced by its palette colour; TRANSPARENT pixels become 0,0,0,0. */
function flatten(image: RgbaImage, q: Quantized, to?: (index: number) => { r: number; g: number; b: number } | 'transparent'): RgbaImage {
  const data = new Uint8Array(image.width * image.height * 4);
  for (let p = 0, o = 0; p < q.indices.length; p++, o += 4) {
    const i = q.indices[p]!;
    if (i === TRANSPARENT) continue;
    const c = to ? to(i) : q.palette[i]!;
    if (c === 'transparent') continue;
    data[o] = c.r;
    data[o + 1] = c.g;
    data[o + 2] = c.b;
    data[o + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

export function mapToPalette(image: RgbaImage, palette: readonly PaletteEntry[]): RgbaImage {
  const q = applyPalette(image, palette.map(({ r, g, b }) => ({ r, g, b })));
  return flatten(image, q, (i) => palette[i]!.to ?? palette[i]!);
}

/** A plan's engine parameters with the caller's min_area, stacking and colour options applied. */
export function planParams(ctx: StrategyContext, plan: Plan, image: RgbaImage): object {
  const o = ctx.options;
  const params: Record<string, unknown> = { ...(plan.params as Record<string, unknown>) };
  const scale = image.width / ctx.source.width;
  const palette = o.palette !== undefined && o.palette.length > 0;
  if (o.minArea !== undefined) {
    const area = o.minArea * scale * scale;
    if (plan.engine === 'potrace') params.turdSize = Math.round(area);
    if (plan.engine === 'vtracer') params.filterSpeckle = Math.round(Math.sqrt(area));
    if (plan.engine === 'imagetracer') params.pathomit = Math.round(4 * Math.sqrt(area));
  }
  if (o.stacking !== undefined) {
    if (plan.engine === 'potrace') params.stacking = o.stacking;
    if (plan.engine === 'vtracer') params.hierarchical = o.stacking;
  }
  if (palette) {
    // The image is already mapped: trace exactly its colours.
    if (plan.engine === 'potrace') {
      delete params.palette;
      params.maxColors = 256;
      params.edgeColors = 'keep';
    }
    if (plan.engine === 'imagetracer') params.numberofcolors = Math.max(2, o.palette!.length);
    if (plan.engine === 'vtracer') params.colorPrecision = 8;
  } else if (ctx.options.maxColors !== undefined) {
    if (plan.engine === 'potrace') params.maxColors = ctx.options.maxColors;
    if (plan.engine === 'imagetracer') params.numberofcolors = ctx.options.maxColors;
    if (plan.engine === 'vtracer') params.colorPrecision = 8; // exact colours of the quantised image
  }
  return params;
}

/** How a plan's SVG is finished: the caller's precision and gap filler win over the plan's. */
export function planFinish(ctx: StrategyContext, plan: Plan): Finish {
  const o = ctx.options;
  const finish: Finish = { ...plan.finish };
  if (o.precision !== undefined) finish.precision = o.precision;
  const gap = o.gapFiller ?? o.stacking === 'cutout';
  if (gap) finish.gapFiller = GAP_FILLER_WIDTH;
  else delete finish.gapFiller;
  // A plan may rule primitives out (tier 3); the caller can only turn them off.
  finish.shapes = o.shapes !== 'off' && plan.finish?.shapes !== false;
  return finish;
}

/** Stroke width of the gap filler, in source pixels: covers a half-pixel anti-aliasing seam on each side. */
export const GAP_FILLER_WIDTH = 1;

/**
 * Whether the caller's options leave room for a glow (src/soft-edges/): not with their own colours
 * (palette, max_colors), not for outlines (draw_style=stroke: cutters), not with gradients=off
 * (flat fills only, and a blur is none).
 */
export function glowAllowed(o: StrategyContext['options']): boolean {
  return !(o.palette && o.palette.length > 0) && o.maxColors === undefined && o.drawStyle !== 'stroke' && o.gradients !== 'off';
}

export async function evaluatePlan(ctx: StrategyContext, plan: Plan): Promise<Candidate> {
  const { image: resized, colours } = await planImage(ctx, plan);
  const finish = planFinish(ctx, plan);
  const edge = plan.softEdge && glowAllowed(ctx.options) ? await softEdgeOf(resized) : null;
  if (edge) finish.glow = { sigma: edge.sigma, levels: edge.levels };
  const planned = edge?.content ?? resized;
  let image = planned;
  if (plan.regions && !colours) {
    const gradients = ctx.options.gradients !== 'off';
    const { colours: maxColors, alphaThreshold, segment } = plan.regions;
    if (segment) {
      const seg = segmentImage(planned, { colours: maxColors, alphaThreshold, gradients, ...segment });
      image = seg.image;
      finish.regions = { image: planned, gradients, segments: { labels: seg.labels, regions: seg.regions, labs: seg.labs } };
    } else {
      image = globallyQuantised(planned, maxColors, alphaThreshold);
      finish.regions = { image: planned, gradients };
    }
  }
  // vtracer averages the colours of clusters it merges: snap its fills back onto the palette.
  if (colours && colours.length > 0) finish.colours = colours;
  return ctx.evaluate(plan.engine, planParams(ctx, plan, image), image, plan.label, finish);
}

const quantisedCache = new WeakMap<RgbaImage, Map<string, RgbaImage>>();

/** The image with every pixel on one global palette (rungs of a ladder share it: cached per image). */
function globallyQuantised(image: RgbaImage, maxColors: number, alphaThreshold: number): RgbaImage {
  const key = `${maxColors}/${alphaThreshold}`;
  let byKey = quantisedCache.get(image);
  if (!byKey) quantisedCache.set(image, (byKey = new Map()));
  let out = byKey.get(key);
  if (!out) {
    // Partly transparent pixels are clustered as seen over a contrasting background, so a soft
    // edge or glow is not one cluster with the opaque body next to it (paints are refitted to
    // true colour and opacity afterwards).
    const seen = overContrast(image, alphaThreshold);
    byKey.set(key, (out = flatten(seen, quantize(seen, { maxColors, alphaThreshold }))));
  }
  return out;
}

// --- Searches ---

/**
 * When a search must stop: at the search budget once a candidate meets the target, else at the
 * later climb limit. A photo that starts on a coarse rung on a loaded machine can spend the whole
 * budget on its first try; it still climbs to a rung that meets the target.
 */
function searchEndsAt(ctx: StrategyContext, candidates: readonly Candidate[]): number {
  const met = candidates.some((c) => c.ssim >= ctx.target);
  return met ? ctx.budgetEndsAt : Math.max(ctx.budgetEndsAt, ctx.climbEndsAt);
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
    if (candidates.length > 0 && Date.now() >= searchEndsAt(ctx, candidates)) break;
    try {
      const candidate = await evaluatePlan(ctx, plan);
      candidates.push(candidate);
      if (candidate.ssim >= ctx.target) break;
    } catch (err) {
      lastError = err;
    }
  }
  if (candidates.length === 0) throw lastError;
  return pickBest(candidates, ctx.target);
}

/**
 * A ladder of plans from coarsest (fewest bytes) to finest. Starts at `start`; while the score is
 * short of the target it climbs, two rungs at a time when far short (`farShort`), three when
 * farther (`veryFarShort`), or as many as the gap holds rungs that gain at least `leastRungGain`
 * each. Once the target
 * is met it stops, unless the score clears the target by `coarserMargin`: then, if time remains,
 * it tries a coarser candidate for fewer bytes, a rung down for every `coarserMargin` the score
 * clears the target by, and again from there, up to `coarserTries` times, when one still clears
 * it by twice that (a later try is a second trace for bytes alone: only where it surely pays).
 * Keeps the smallest candidate that meets the target, else the best score.
 */
export async function searchLadder(
  ctx: StrategyContext,
  ladder: readonly Plan[],
  start: number,
  {
    coarserMargin = Infinity,
    coarserTries = 1,
    farShort = 0.03,
    veryFarShort = Infinity,
    leastRungGain = Infinity,
  }: { coarserMargin?: number; coarserTries?: number; farShort?: number; veryFarShort?: number; leastRungGain?: number } = {},
): Promise<Candidate> {
  const candidates: Candidate[] = [];
  const tried = new Set<number>();
  let lastError: unknown;
  let i = Math.max(0, Math.min(ladder.length - 1, start));
  let lastMs = 0;
  let coarser = 0;
  while (i >= 0 && i < ladder.length && !tried.has(i)) {
    // Stop when the budget is spent, or would be by another rung as slow as the last one.
    if (candidates.length > 0 && Date.now() + lastMs * 0.8 >= searchEndsAt(ctx, candidates)) break;
    tried.add(i);
    const started = Date.now();
    let candidate: Candidate;
    try {
      candidate = await evaluatePlan(ctx, ladder[i]!);
    } catch (err) {
      lastError = err;
      i++;
      continue;
    }
    lastMs = Date.now() - started;
    candidates.push(candidate);
    const gap = ctx.target - candidate.ssim;
    if (gap <= 0) {
      if (coarser >= coarserTries || -gap < (coarser === 0 ? 1 : 2) * coarserMargin) break;
      coarser++;
      const down = Math.max(0, i - Math.floor(-gap / coarserMargin));
      if (down === i || tried.has(down)) break;
      i = down;
      continue;
    }
    if (candidates.some((c) => c.ssim >= ctx.target)) break; // the coarser try missed: the met one stands
    i += gap > veryFarShort ? Math.max(3, Math.floor(gap / leastRungGain)) : gap > farShort ? 2 : 1;
    if (i >= ladder.length && !tried.has(ladder.length - 1)) i = ladder.length - 1;
  }
  if (candidates.length === 0) throw lastError;
  return pickBest(candidates, ctx.target);
}

/** When the caller named an engine, only that engine's plans run. */
export function plansFor(ctx: StrategyContext, plans: readonly Plan[]): readonly Plan[] {
  if (ctx.options.engine === 'auto') return plans;
  const own = plans.filter((p) => p.engine === ctx.options.engine);
  return own.length > 0 ? own : plans;
}

// The helpers above are shared by all tiers; re-exported names keep imports short in tier files.
export type { EngineName };
