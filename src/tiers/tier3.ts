/**
 * Tier 3 — photos, gradients, shading. A ladder of settings from coarse to fine, searched against
 * the SSIM target: start where this kind of image usually lands, climb while the score is short,
 * stop at the first rung that meets the target.
 *
 * No tile decides anything on its own (independent tiles drew straight lines of steps along
 * their edges: seam scores up to 0.94, see quality/seam.ts):
 * - Photos and rendered art are segmented once for the whole image (gradients/segment.ts: global
 *   palette, regions merged where one flat or linear paint explains both), then vtracer only
 *   traces the borders of those regions, in tiles of 256 for speed (layer difference 0: no
 *   clustering of its own).
 * - Textured photos (almost no flat pixels) keep vtracer's layering, tiled, on one global
 *   palette: texture leaves no smooth area for a tile edge to show in.
 * Rendered art was traced whole with vtracer's own layering until its cut-out bands showed: a
 * shaded cylinder (the transparent cactus's trunk) came back as flat bands side by side, each
 * refitted on its own, stepping along every shared edge (seam 0.174), and a flame's inner tongue
 * as flat patches. Segmented, ten of the same twelve renders (the corpus's eight tier-3 ones and
 * four transparent ones) scored higher SSIM, two a little lower but above the aim (rainbow 0.974
 * -> 0.970, unicorn 0.964 -> 0.958), in 203 KB instead of 269 KB, with seams at most 0.145 (the
 * transparent cactus) and its trunk shaded again.
 * Every region's paint is then refitted to its pixels (gradients/fill.ts): flat, or a linear or
 * radial gradient in Oklab where it pays for its bytes, with opacity (soft alpha kept), paths of
 * one paint are joined into one where paint order allows, and outlines under later opaque paint
 * are cut short (occlusion/): each shared border drawn once.
 *
 * Measured on the corpus (10 Kodak photos, 8 gradient/3D renders) before that, and still true:
 * - Colour precision: 8 bits instead of the CLI's 6 lifted the Kodak minimum SSIM from 0.73 to
 *   0.85 for the same bytes (6 bits merges dark shades into flat areas).
 * - Polygons instead of splines: the same SSIM for ~55 % of the bytes once path data is relative.
 * - Trace size: SSIM compares images downsampled to ~256 px on the shorter side. Tracing at twice
 *   that resolution lost nothing against full size; at the same resolution, 0.05-0.08 SSIM, even
 *   at the finest rung. So small images are traced enlarged, and smoother ones at 1.5 times
 *   (tier3TraceSide).
 */
import { DEFAULT_IMAGETRACER_PARAMS } from '../engines/imagetracer.js';
import { DEFAULT_POTRACE_PARAMS } from '../engines/potrace.js';
import { VTRACER_CLI_DEFAULTS, type VtracerParams } from '../engines/vtracer.js';
import type { RgbaImage } from '../engines/engine.js';
import { extractFeatures } from '../pipeline/classify.js';
import { softEdgeOf } from '../soft-edges/fit.js';
import { ssimDownsampleFactor } from '../quality/ssim.js';
import { glowAllowed, plansFor, searchLadder, searchPlans, type Plan, type StrategyContext, type TierStrategy } from './strategy.js';

/** Below this share of flat neighbour pairs an image is photo-like (Kodak: <= 0.66; rendered art: >= 0.89). */
const PHOTO_MAX_FLAT_SHARE = 0.78;
/**
 * Photos start at merge cost 0.004 (MERGE_COSTS[6]). Started at 0.001, 7 of the 9 untextured
 * Kodak photos cleared 0.85 by more than 0.04 and still answered 0.90-0.93 after the one coarser
 * try: bytes no one asked for (kodim05: 381 KB at 0.898 where 0.004 meets the target in 315 KB).
 * From 0.004 they climb instead; a photo short there may climb past the search budget
 * (StrategyContext.climbEndsAt), which is what once made a finer start the safe one (kodim19:
 * 0.846 at 0.002 with no budget left).
 */
const PHOTO_START = 6;
/**
 * Below this flat share a photo is texture nearly everywhere: midway between the Kodak photos'
 * kodim13 (0.16) and the rest (>= 0.27), so a reduced copy, a little smoother, stays on its side.
 */
const TEXTURED_MAX_FLAT_SHARE = 0.22;
/** Textured photos start at 8-bit colour, layer step 16 (where kodim13 met 0.85). */
const TEXTURED_START = 5;
/**
 * The segmented rungs: the largest error (squared Oklab, per pixel of boundary removed) a merge of
 * two neighbouring regions may add, coarse to fine, a factor of sqrt(2) apart. Kodak photos meet
 * 0.85 from 0.032 (kodim20) to 0.0014 (kodim19); rendered art 0.95 at 0.004, the transparent
 * unicorn at 0.0005. Rungs a factor 2 apart (0.016 ... 0.000125) left photos 0.02-0.05 above
 * their target at the rung that met it: with the steps between (and one coarser try), the 9
 * untextured Kodak photos answered 1219 KB instead of 1376 KB (mean SSIM 0.875 -> 0.865).
 */
const MERGE_COSTS = [
  0.032, 0.0226, 0.016, 0.0113, 0.008, 0.0057, 0.004, 0.0028, 0.002, 0.0014, 0.001, 0.0007, 0.0005, 0.00035, 0.00025, 0.000177, 0.000125,
];
/** Global palette the segmentation starts from. */
const SEGMENT_COLOURS = 64;
/** Regions below this many trace pixels are merged into a neighbour. */
const SEGMENT_MIN_AREA = 16;
/** Smooth rendered art starts where photos do (0.004), where every corpus render meets its aim. */
const RENDER_START = 6;
/**
 * Tiles only for large traces, and big ones: with one global palette (see Plan.regions) tiles
 * agree at their edges, but every tile edge still cuts shapes, so fewer of them cost fewer bytes.
 */
const TILE = 256;
/** Global palette size: enough that bands are finer than vtracer's own layer steps. */
const GLOBAL_COLOURS = 256;
/**
 * Pixels at least this opaque are traced; their opacity comes back from the region fit. (The
 * engines' own policy, 128, drops glows and translucent overlays.)
 */
const SOFT_ALPHA_THRESHOLD = 16;
/** Share of visible pixels that are semi-transparent above which shapes must not overlap. */
const SOFT_ALPHA_SHARE = 0.1;
/**
 * A segmented result above the target by this much, per rung, is worth a coarser try that many
 * rungs down (0.05 above: three rungs, a factor 2.8 in merge cost), and a second one from there if
 * that one still clears it by twice as much. With rungs a factor 2 apart and one try at 0.04 a
 * rung, 7 of the 10 Kodak photos took it, -17 % bytes for one more trace. At sqrt(2) and 0.015,
 * the 9 untextured ones answered 1204 KB instead of 1376 KB, every one >= 0.85. A second try at
 * any margin took them to 1167 KB, but missed on two of three 8 MP photos, where every trace is
 * scored at 8 MP (~650 ms): 2.9 s where 2.2 s did.
 */
const COARSER_MARGIN = 0.015;
const COARSER_TRIES = 2;
/** The textured ladder's rungs lie further apart (kodim13: 0.857 at layer step 16, 0.837 at 24). */
const TEXTURED_COARSER_MARGIN = 0.04;
/**
 * Short of the target by more than this, the climb skips a rung: one rung gains photos about
 * 0.004-0.013, so within it the next rung may do (kodim01: 0.842 at 0.004, 0.852 at 0.002, where
 * a climb one rung at a time spent a third trace on 0.0028 and 0.848).
 */
const FAR_SHORT = 0.005;
/**
 * Short by more than two rungs can gain (2 x 0.013), it skips two: kodim19, 0.035 short at
 * 0.004, climbed 0.002 (0.846) then 0.0014 (0.859), three traces where two do (1742 -> 1279 ms
 * through the API, the same SVG). No other corpus image is ever that far short.
 */
const VERY_FAR_SHORT = 0.026;
/**
 * Farther short than that, it climbs a rung for every 0.01 of the gap (a rung near the target
 * gains photos 0.004-0.013): kodim19, traced at 1.5x, was 0.04 short at 0.004, and three rungs then
 * one more took four traces where four rungs at once took two (1931 -> 1477 ms in process).
 */
const LEAST_RUNG_GAIN = 0.01;

/** Small images are enlarged for tracing up to this longer side, never beyond... */
const MAX_ENLARGED_SIDE = 2048;
/** ...and only from this shorter side up. */
const MIN_ENLARGED_SIDE = 32;

/**
 * Longest side to trace at: twice the resolution SSIM looks at (`factor` 2), or 1.5 times for
 * smoother images (traceFactor). Above ~512 px that is a reduced copy; a small image (SSIM at its
 * own size) is enlarged, smoothly, so region edges can fall between its pixels: half-size Kodak
 * photos went from 0.76-0.84 to >= 0.85 on every one at 2x.
 */
export function tier3TraceSide(width: number, height: number, factor = 2): number {
  const longer = Math.max(width, height);
  if (Math.min(width, height) < MIN_ENLARGED_SIDE) return longer; // icons-of-icons: nothing to gain
  return Math.min(Math.round(factor * Math.ceil(longer / ssimDownsampleFactor(width, height))), Math.max(longer, MAX_ENLARGED_SIDE));
}

/**
 * Opaque images this smooth (flat share at the 2x trace scale) are traced at 1.5 times the SSIM's
 * resolution: on the corpus's tier 3, the seven smoother Kodak photos went from 515 to 452 KB and
 * the eight renders from 98 to 70 KB, every one still at its target or aim, mean photo SSIM the
 * same (0.8618 -> 0.8626). Busy photos stay at 2x (kodim01 and kodim05, 0.28: kodim01 reached only
 * 0.811 at 1.5x), and so do images with transparency: four transparent renders went from 87 to
 * 120 KB at 1.5x, each lower (unicorn 0.952 -> 0.932), the cactus's glow seam 0.145 -> 0.180.
 */
const SMOOTH_MIN_FLAT_SHARE = 0.35;
const SMOOTH_TRACE_FACTOR = 1.5;

/** Share of visible pixels (alpha >= 16) that are not opaque: glows, shadows, translucent overlays. */
export function softAlphaShare(image: RgbaImage): number {
  let visible = 0;
  let soft = 0;
  for (let i = 3; i < image.data.length; i += 4) {
    const a = image.data[i]!;
    if (a < SOFT_ALPHA_THRESHOLD) continue;
    visible++;
    if (a < 240) soft++;
  }
  return visible === 0 ? 0 : soft / visible;
}

/**
 * No circle, ellipse or rectangle fitting: shading regions are never one. On the corpus's 18
 * tier-3 images no primitive was ever kept, while fitting them took 6-47 % of a Kodak photo's time,
 * median 22 % (kodim13: 2.9 s with it, 1.5 s without, the same SVG).
 */
const NO_SHAPES = { shapes: false } as const;

/**
 * `softContent`: the source with its glow taken out (src/soft-edges/), when its shape fades out
 * like a blurred silhouette. Then every vtracer rung draws that glow under its trace, and only the
 * opacity the glow does not explain decides whether shapes must not overlap.
 */
export function tier3Ladder(ctx: StrategyContext, softContent?: RgbaImage): Plan[] {
  return tier3Plans(ctx, softContent).map((plan) => ({
    ...plan,
    finish: { ...plan.finish, ...NO_SHAPES },
    ...(softContent && plan.engine === 'vtracer' ? { softEdge: true } : {}),
  }));
}

function tier3Plans(ctx: StrategyContext, softContent?: RgbaImage): Plan[] {
  const side = tier3TraceSide(ctx.source.width, ctx.source.height, traceFactor(ctx));
  // Semi-transparent shapes over their parents would compound their opacity: trace them cut out.
  const soft = ctx.source.hasTransparency && softAlphaShare(softContent ?? ctx.source) > SOFT_ALPHA_SHARE;
  if (!textured(ctx)) {
    // One segmentation of the whole image, then tiles that only trace its borders.
    const segmented = (mergeCost: number): Plan => ({
      engine: 'vtracer',
      params: polygons(soft, { colorPrecision: 8, layerDifference: 0, filterSpeckle: 1 }),
      maxSide: side,
      enlarge: true,
      regions: { colours: SEGMENT_COLOURS, alphaThreshold: SOFT_ALPHA_THRESHOLD, segment: { mergeCost, minArea: SEGMENT_MIN_AREA } },
      label: `regions merged up to ${mergeCost} per boundary pixel`,
    });
    return [...MERGE_COSTS.map(segmented), ...fallbacks(ctx, side)];
  }
  // Textured photos are traced in tiles on the global palette: texture leaves no smooth area for
  // a tile edge to show in (kodim13, river stones: seam 0.03).
  const rung = (colorPrecision: number, layerDifference: number, filterSpeckle: number): Plan => ({
    engine: 'vtracer',
    params: polygons(soft, { colorPrecision, layerDifference, filterSpeckle }),
    maxSide: side,
    enlarge: true,
    regions: { colours: GLOBAL_COLOURS, alphaThreshold: SOFT_ALPHA_THRESHOLD },
    label: `vtracer polygons ${colorPrecision} bits step ${layerDifference} speckle ${filterSpeckle}`,
  });
  return [
    rung(4, 64, 8),
    rung(5, 48, 6),
    rung(6, 32, 4),
    rung(8, 32, 4),
    rung(8, 24, 4),
    rung(8, 16, 4),
    rung(8, 12, 2),
    rung(8, 8, 2),
    rung(8, 4, 1),
    ...fallbacks(ctx, side),
  ];
}

/** vtracer as every tier-3 rung runs it: polygons, in tiles, cut out where the alpha is soft. */
function polygons(soft: boolean, layering: Pick<VtracerParams, 'colorPrecision' | 'layerDifference' | 'filterSpeckle'>): VtracerParams {
  return {
    ...VTRACER_CLI_DEFAULTS,
    mode: 'polygon',
    ...layering,
    tileSize: TILE,
    tileConcurrency: 2,
    ...(soft ? { hierarchical: 'cutout' as const } : {}),
  };
}

/** The other engines' plans: tier 3 runs them only for a caller who names one of those engines. */
function fallbacks(ctx: StrategyContext, side: number): Plan[] {
  const colors = ctx.options.maxColors ?? 24;
  return [
    {
      engine: 'imagetracer',
      params: { ...DEFAULT_IMAGETRACER_PARAMS, numberofcolors: colors, blurradius: 1 },
      maxSide: Math.min(side, 1024),
      label: `imagetracer ${colors} colours`,
    },
    { engine: 'potrace', params: { ...DEFAULT_POTRACE_PARAMS, maxColors: Math.min(colors, 16) }, maxSide: Math.min(side, 1024), label: 'potrace' },
  ];
}

/** How many times the SSIM's resolution this image is traced at (see SMOOTH_MIN_FLAT_SHARE). */
function traceFactor(ctx: StrategyContext): number {
  return !ctx.source.hasTransparency && ctx.features.flatShare >= SMOOTH_MIN_FLAT_SHARE ? SMOOTH_TRACE_FACTOR : 2;
}

function photo(ctx: StrategyContext): boolean {
  return ctx.features.flatShare < PHOTO_MAX_FLAT_SHARE;
}

/**
 * Photos this textured (few flat neighbour pairs) keep vtracer's own layering: region merging
 * held their texture only in more bytes (kodim13: 0.848 at 718 KB against 0.857 at 668 KB).
 */
function textured(ctx: StrategyContext): boolean {
  return ctx.features.flatShare < TEXTURED_MAX_FLAT_SHARE;
}

/** Where on the ladder this image starts. */
export function tier3Start(ctx: StrategyContext): number {
  if (textured(ctx)) return TEXTURED_START;
  return photo(ctx) ? PHOTO_START : RENDER_START;
}

/**
 * What the search aims at for rendered art (not photos) when the caller left the target at the
 * tier's. SSIM compares luma only, so a trace can keep the brightness and lose the colours and
 * shading a person sees first: at 0.85 a flame lost its inner tongue and a mane its strands; at
 * 0.92 a pizza slice (0.922) came back as one orange wedge without crust or cheese and an octopus
 * (0.939) lost all its shading. At 0.95 both are drawn as they look, for 43 KB more on the corpus's
 * eight tier-3 renders (88 -> 131 KB) and 89 KB more on four transparent ones. Photos keep the
 * tier's target: their bytes grow fast with every rung.
 */
export const RENDER_AIM = 0.95;

/**
 * Photo or rendered art, textured or not, judged at the scale the rungs trace and SSIM compares,
 * not pixel to pixel: a large photo is smooth between neighbouring pixels. A Kodak photo enlarged
 * to 3840x2160 had a flat share of 0.84 at full size (rendered art, aimed at 0.95: it climbed
 * every rung, 3.9 s and 498 KB) and 0.53 on its 960 px trace copy (the 768 px original: 0.42).
 */
async function atTraceScale(ctx: StrategyContext, traced: number): Promise<StrategyContext> {
  if (traced >= Math.max(ctx.source.width, ctx.source.height)) return ctx;
  const { flatShare } = extractFeatures(await ctx.resized(traced));
  return { ...ctx, features: { ...ctx.features, flatShare } };
}

export const tier3: TierStrategy = {
  tier: 3,
  run: async (given) => {
    const traced = Math.min(tier3TraceSide(given.source.width, given.source.height), Math.max(given.source.width, given.source.height));
    const outer = await atTraceScale(given, traced);
    const ctx = !photo(outer) && outer.options.quality === undefined ? { ...outer, target: Math.max(outer.target, RENDER_AIM) } : outer;
    // Fitted at the trace size, as the rungs fit it (and share it: softEdgeOf caches per image),
    // never on a full-size source: its level maps cost several bytes per pixel.
    const edge = ctx.source.hasTransparency && glowAllowed(ctx.options) ? await softEdgeOf(await ctx.resized(traced)) : null;
    const ladder = tier3Ladder(ctx, edge?.content);
    if (ctx.options.engine !== 'auto' && ctx.options.engine !== 'vtracer') return searchPlans(ctx, plansFor(ctx, ladder));
    const rungs = ladder.filter((p) => p.engine === 'vtracer');
    const coarser = textured(ctx) ? { coarserMargin: TEXTURED_COARSER_MARGIN } : { coarserMargin: COARSER_MARGIN, coarserTries: COARSER_TRIES };
    return searchLadder(ctx, rungs, tier3Start(ctx), { ...coarser, farShort: FAR_SHORT, veryFarShort: VERY_FAR_SHORT, leastRungGain: LEAST_RUNG_GAIN });
  },
};
