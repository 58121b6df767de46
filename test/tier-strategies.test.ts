/**
 * The tier strategies: which plans each tier tries, and how the searches walk them against the
 * SSIM target and the time budget. Scores are stubbed here; real images are in the pipeline and
 * corpus tests.
 */
import { describe, expect, it } from 'vitest';
import type { EngineName, RgbaImage } from '../src/engines/engine.js';
import type { Features } from '../src/pipeline/classify.js';
import type { DecodedImage } from '../src/pipeline/decode.js';
import type { Finish } from '../src/pipeline/evaluate.js';
import { parseOptions } from '../src/pipeline/options.js';
import { mapToPalette, pickBest, planFinish, planParams, searchLadder, searchPlans, type Candidate, type Plan, type StrategyContext } from '../src/tiers/strategy.js';
import { searchWindow } from '../src/pipeline/stages.js';
import { SEARCH_BUDGET_MS } from '../src/tiers/thresholds.js';
import { tier1Plans } from '../src/tiers/tier1.js';
import { tier2Plans } from '../src/tiers/tier2.js';
import { RENDER_AIM, softAlphaShare, tier3, tier3Ladder, tier3Start, tier3TraceSide } from '../src/tiers/tier3.js';

const FEATURES: Features = { c95: 2, colors: 30, alphaCoverage: 1, flatShare: 0.97, smoothShare: 0.01, edgeShare: 0.02, entropy: 1, families: 1, secondShare: 0 };

function source(width: number, height: number): DecodedImage {
  return { width, height, data: new Uint8Array(width * height * 4).fill(255), hasTransparency: false };
}

/** A context whose evaluate() scores plans by label from `scores` (bytes from `bytes`), recording the order. */
function context(opts: {
  scores: Record<string, number>;
  bytes?: Record<string, number>;
  target?: number;
  features?: Partial<Features>;
  raw?: Record<string, string>;
  budgetMs?: number;
  climbMs?: number;
  width?: number;
  height?: number;
}) {
  const calls: { label: string; params: object; finish?: Finish }[] = [];
  const options = parseOptions(opts.raw ?? {});
  const ctx: StrategyContext = {
    source: source(opts.width ?? 64, opts.height ?? 64),
    features: { ...FEATURES, ...opts.features },
    options,
    target: opts.target ?? 0.85,
    budgetEndsAt: Date.now() + (opts.budgetMs ?? 60_000),
    climbEndsAt: Date.now() + (opts.climbMs ?? opts.budgetMs ?? 60_000),
    resized: async () => source(opts.width ?? 64, opts.height ?? 64),
    evaluate: async (engine: EngineName, params: object, _image: RgbaImage, label: string, finish?: Finish): Promise<Candidate> => {
      calls.push({ label, params, finish });
      const ssim = opts.scores[label];
      if (ssim === undefined) throw new Error(`no score for ${label}`);
      return { engine, label, svg: `<svg>${label}</svg>`, ssim, bytes: opts.bytes?.[label] ?? 1000 };
    },
  };
  return { ctx, calls };
}

const plan = (label: string): Plan => ({ engine: 'vtracer', params: {}, maxSide: 64, label });

describe('pickBest', () => {
  it('takes the smallest candidate that meets the target, else the best score', () => {
    const c = (label: string, ssim: number, bytes: number): Candidate => ({ engine: 'vtracer', label, svg: '', ssim, bytes });
    expect(pickBest([c('a', 0.9, 500), c('b', 0.86, 300), c('c', 0.99, 900)], 0.85).label).toBe('b');
    expect(pickBest([c('a', 0.7, 500), c('b', 0.8, 900)], 0.85).label).toBe('b');
  });
});

describe('searchPlans', () => {
  it('stops at the first plan that meets the target', async () => {
    const { ctx, calls } = context({ scores: { a: 0.8, b: 0.9, c: 0.95 } });
    expect((await searchPlans(ctx, [plan('a'), plan('b'), plan('c')])).label).toBe('b');
    expect(calls.map((c) => c.label)).toEqual(['a', 'b']);
  });

  it('skips a plan that fails, and answers the best when none meets the target', async () => {
    const { ctx } = context({ scores: { a: 0.6, c: 0.7 } });
    expect((await searchPlans(ctx, [plan('a'), plan('b'), plan('c')])).label).toBe('c');
  });

  it('always runs the first plan, then respects the budget', async () => {
    const { ctx, calls } = context({ scores: { a: 0.6, b: 0.9 }, budgetMs: -1 });
    expect((await searchPlans(ctx, [plan('a'), plan('b')])).label).toBe('a');
    expect(calls).toHaveLength(1);
  });
});

describe('searchLadder', () => {
  const ladder = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map(plan);

  it('climbs one rung when a little short, two when far short, and stops once met', async () => {
    const { ctx, calls } = context({ scores: { r3: 0.84, r4: 0.8, r6: 0.9 }, target: 0.85 });
    expect((await searchLadder(ctx, ladder, 3)).label).toBe('r6');
    expect(calls.map((c) => c.label)).toEqual(['r3', 'r4', 'r6']);
  });

  it('jumps three rungs when farther short than two can gain, where the ladder says how far that is', async () => {
    const { ctx, calls } = context({ scores: { r1: 0.8, r3: 0.846, r4: 0.86 }, target: 0.85 });
    expect((await searchLadder(ctx, ladder, 1, { farShort: 0.005, veryFarShort: 0.026 })).label).toBe('r4');
    expect(calls.map((c) => c.label)).toEqual(['r1', 'r4']);
    // Without it, two rungs and then one more.
    const two = context({ scores: { r1: 0.8, r3: 0.846, r4: 0.86 }, target: 0.85 });
    await searchLadder(two.ctx, ladder, 1, { farShort: 0.005 });
    expect(two.calls.map((c) => c.label)).toEqual(['r1', 'r3', 'r4']);
  });

  it('farther short than that, climbs a rung for every leastRungGain of the gap', async () => {
    const { ctx, calls } = context({ scores: { r0: 0.795, r5: 0.86 }, target: 0.85 });
    // 0.055 short, at least 0.01 a rung: five rungs up.
    expect((await searchLadder(ctx, ladder, 0, { farShort: 0.005, veryFarShort: 0.026, leastRungGain: 0.01 })).label).toBe('r5');
    expect(calls.map((c) => c.label)).toEqual(['r0', 'r5']);
    // Never fewer than the three of veryFarShort.
    const near = context({ scores: { r0: 0.82, r3: 0.86 }, target: 0.85 });
    await searchLadder(near.ctx, ladder, 0, { farShort: 0.005, veryFarShort: 0.026, leastRungGain: 0.01 });
    expect(near.calls.map((c) => c.label)).toEqual(['r0', 'r3']);
  });

  it('jumps two rungs when far short', async () => {
    const { ctx, calls } = context({ scores: { r1: 0.7, r3: 0.9 }, target: 0.85 });
    expect((await searchLadder(ctx, ladder, 1)).label).toBe('r3');
    expect(calls.map((c) => c.label)).toEqual(['r1', 'r3']);
  });

  it('tries one rung coarser when the margin is wide, and keeps the smaller one that still meets', async () => {
    const { ctx, calls } = context({ scores: { r3: 0.91, r2: 0.87 }, bytes: { r3: 900, r2: 500 }, target: 0.85 });
    expect((await searchLadder(ctx, ladder, 3, { coarserMargin: 0.04 })).label).toBe('r2');
    expect(calls.map((c) => c.label)).toEqual(['r3', 'r2']);
  });

  it('goes two rungs coarser when the margin is twice as wide, and only tries once', async () => {
    const { ctx, calls } = context({ scores: { r3: 0.95, r1: 0.9 }, bytes: { r3: 900, r1: 400 }, target: 0.85 });
    expect((await searchLadder(ctx, ladder, 3, { coarserMargin: 0.04 })).label).toBe('r1');
    expect(calls.map((c) => c.label)).toEqual(['r3', 'r1']);
  });

  it('keeps the met rung when the coarser one misses', async () => {
    const { ctx, calls } = context({ scores: { r3: 0.9, r2: 0.8 }, target: 0.85 });
    expect((await searchLadder(ctx, ladder, 3, { coarserMargin: 0.04 })).label).toBe('r3');
    expect(calls).toHaveLength(2);
  });

  it('answers the best found when the top rung misses too', async () => {
    const { ctx } = context({ scores: { r5: 0.7, r6: 0.75 }, target: 0.85 });
    const best = await searchLadder(ctx, ladder, 5);
    expect(best.label).toBe('r6');
  });

  it('stops when the budget is spent', async () => {
    const { ctx, calls } = context({ scores: { r3: 0.7, r5: 0.9 }, budgetMs: -1 });
    expect((await searchLadder(ctx, ladder, 3)).label).toBe('r3');
    expect(calls).toHaveLength(1);
  });

  it('short of the target, climbs past the spent budget until the climb limit; once met, stops at the budget', async () => {
    // Budget spent, climb time left: climbs to the rung that meets, then tries nothing coarser.
    const climbing = context({ scores: { r2: 0.8, r4: 0.84, r5: 0.95, r3: 0.9 }, budgetMs: -1, climbMs: 60_000 });
    expect((await searchLadder(climbing.ctx, ladder, 2, { coarserMargin: 0.04 })).label).toBe('r5');
    expect(climbing.calls.map((c) => c.label)).toEqual(['r2', 'r4', 'r5']);
    // Both spent: the first rung's answer, short as it is.
    const spent = context({ scores: { r2: 0.8, r4: 0.9 }, budgetMs: -1, climbMs: -1 });
    expect((await searchLadder(spent.ctx, ladder, 2)).label).toBe('r2');
    expect(spent.calls).toHaveLength(1);
    // The plain search too: short plans go on while climb time is left.
    const plans = context({ scores: { r0: 0.7, r1: 0.8, r2: 0.9 }, budgetMs: -1, climbMs: 60_000 });
    expect((await searchPlans(plans.ctx, ladder.slice(0, 3))).label).toBe('r2');
    expect(plans.calls).toHaveLength(3);
  });
});

describe('searchWindow', () => {
  it('the tier\'s budget for a smaller candidate, its remaining time to reach the target; a caller\'s budget bounds both', () => {
    const now = 1_000_000;
    const deadline = now + 15_000;
    expect(searchWindow(now, deadline, 3)).toEqual({ budgetEndsAt: now + SEARCH_BUDGET_MS[3], climbEndsAt: now + 9_000 });
    expect(searchWindow(now, deadline, 3, 800)).toEqual({ budgetEndsAt: now + 800, climbEndsAt: now + 800 });
    // Never past the share of the deadline kept for scoring and answering, budget or not.
    expect(searchWindow(now, now + 1_000, 1, 5_000)).toEqual({ budgetEndsAt: now + 600, climbEndsAt: now + 600 });
  });
});

describe('tier 1', () => {
  it('traces colour layers with potrace first, a colour beyond c95 for the anti-aliasing', () => {
    const { ctx } = context({ scores: {}, features: { c95: 2 } });
    const plans = tier1Plans(ctx);
    expect(plans[0]).toMatchObject({ engine: 'potrace', params: { maxColors: 3, stacking: 'stacked' } });
    expect(plans.map((p) => p.engine)).toEqual(['potrace', 'potrace', 'vtracer', 'imagetracer']);
  });

  it('max_colors is the colour count and the only potrace plan', () => {
    const { ctx } = context({ scores: {}, raw: { max_colors: '5' } });
    expect(tier1Plans(ctx).filter((p) => p.engine === 'potrace')).toHaveLength(1);
    expect(tier1Plans(ctx)[0]!.params).toMatchObject({ maxColors: 5 });
  });
});

describe('tier 2', () => {
  it('starts with vtracer polygons, falls back to splines, then colour potrace', () => {
    const { ctx } = context({ scores: {}, features: { c95: 6 } });
    expect(tier2Plans(ctx).map((p) => p.label)).toEqual(['vtracer polygons', 'vtracer splines', 'potrace 9 colours', 'imagetracer 9 colours']);
  });
});

describe('tier 3', () => {
  it('traces at twice the resolution SSIM compares at: reduced when large, enlarged when small', () => {
    expect(tier3TraceSide(768, 512)).toBe(768); // SSIM at 384x256
    expect(tier3TraceSide(4000, 3000)).toBe(2 * Math.ceil(4000 / 12)); // SSIM at ~333x250
    expect(tier3TraceSide(384, 256)).toBe(768); // SSIM at its own size
    expect(tier3TraceSide(6000, 200)).toBe(6000); // never enlarged past 2048
    expect(tier3TraceSide(768, 512, 1.5)).toBe(576);
    const busy = context({ scores: {}, width: 384, height: 256, features: { flatShare: 0.28 } });
    expect(tier3Ladder(busy.ctx)[0]).toMatchObject({ maxSide: 768, enlarge: true });
  });

  it('traces smoother opaque images at 1.5 times, busy photos and transparent images at twice', () => {
    const side = (features: Partial<Features>, transparent = false) => {
      const { ctx } = context({ scores: {}, width: 384, height: 256, features });
      return tier3Ladder({ ...ctx, source: { ...ctx.source, hasTransparency: transparent } })[0]!.maxSide;
    };
    expect(side({ flatShare: 0.97 })).toBe(576); // rendered art
    expect(side({ flatShare: 0.4 })).toBe(576); // a smooth photo
    expect(side({ flatShare: 0.3 })).toBe(768); // a busy one
    expect(side({ flatShare: 0.18 })).toBe(768); // textured
    expect(side({ flatShare: 0.97 }, true)).toBe(768); // soft edges and glows need the finer trace
  });

  it('photos and rendered art: one segmentation of the whole image, coarse to fine, then tiles that only trace its borders', () => {
    // Rendered art is segmented too: vtracer's own layering drew a shaded cylinder as flat bands
    // that stepped along every shared edge.
    for (const flatShare of [0.4, 0.95]) {
      const { ctx } = context({ scores: {}, features: { flatShare }, width: 768, height: 512 });
      const ladder = tier3Ladder(ctx).filter((p) => p.engine === 'vtracer');
      expect(ladder.length, String(flatShare)).toBeGreaterThanOrEqual(5);
      const costs = ladder.map((p) => p.regions!.segment!.mergeCost);
      expect([...costs].sort((a, b) => b - a)).toEqual(costs);
      // No clustering of its own in a tile (layer difference 0): the tiles cannot disagree.
      for (const p of ladder) expect(p.params).toMatchObject({ mode: 'polygon', colorPrecision: 8, layerDifference: 0, tileSize: 256 });
    }
  });

  it('semi-transparent art is traced cut out, so no shape compounds the opacity of the one under it', () => {
    const glow = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4).fill(90), hasTransparency: true };
    const { ctx } = context({ scores: {}, features: { flatShare: 0.95 }, width: 64, height: 64 });
    const ladder = tier3Ladder({ ...ctx, source: { ...ctx.source, ...glow } }).filter((p) => p.engine === 'vtracer');
    for (const p of ladder) expect(p.params).toMatchObject({ hierarchical: 'cutout' });
    for (const p of tier3Ladder(ctx).filter((q) => q.engine === 'vtracer')) expect(p.params).not.toMatchObject({ hierarchical: 'cutout' });
  });

  it('textured photos: vtracer layering in tiles on the global palette, no segmentation', () => {
    const { ctx } = context({ scores: {}, features: { flatShare: 0.1 }, width: 768, height: 512 });
    const ladder = tier3Ladder(ctx).filter((p) => p.engine === 'vtracer');
    for (const p of ladder) {
      expect(p.params).toMatchObject({ tileSize: 256 });
      expect(p.regions?.segment).toBeUndefined();
    }
    expect(ladder[tier3Start(ctx)]!.params).toMatchObject({ colorPrecision: 8, layerDifference: 16 });
  });

  it('runs the ladder from where the image starts, for engine=auto and engine=vtracer alike', async () => {
    for (const engine of ['auto', 'vtracer']) {
      const probe = context({ scores: {}, raw: { engine }, features: { flatShare: 0.4 }, width: 768, height: 512 });
      const rungs = tier3Ladder(probe.ctx).filter((p) => p.engine === 'vtracer');
      const scores = Object.fromEntries(rungs.map((p) => [p.label, 0.86]));
      const { ctx, calls } = context({ scores, raw: { engine }, features: { flatShare: 0.4 }, width: 768, height: 512 });
      await tier3.run(ctx);
      expect(calls.map((c) => c.label)).toEqual([rungs[tier3Start(ctx)]!.label]);
    }
  });

  it('tries a coarser rung for fewer bytes when the first score clears the target by 0.015, a rung down per 0.015', async () => {
    const photo = { features: { flatShare: 0.4 }, width: 768, height: 512, target: 0.85 };
    const rungs = tier3Ladder(context({ scores: {}, ...photo }).ctx).filter((p) => p.engine === 'vtracer');
    const start = tier3Start(context({ scores: {}, ...photo }).ctx);
    expect(start).toBeGreaterThanOrEqual(3);
    const walk = async (first: number) => {
      const scores = Object.fromEntries(rungs.map((p, i) => [p.label, i === start ? first : 0.86]));
      const bytes = Object.fromEntries(rungs.map((p, i) => [p.label, 1000 + 100 * i]));
      const { ctx, calls } = context({ scores, bytes, ...photo });
      const best = await tier3.run(ctx);
      return { best: best.label, tried: calls.map((c) => c.label) };
    };
    expect(await walk(0.86)).toEqual({ best: rungs[start]!.label, tried: [rungs[start]!.label] });
    expect(await walk(0.87)).toEqual({ best: rungs[start - 1]!.label, tried: [rungs[start]!.label, rungs[start - 1]!.label] });
    expect(await walk(0.885)).toEqual({ best: rungs[start - 2]!.label, tried: [rungs[start]!.label, rungs[start - 2]!.label] });
    expect(await walk(0.9)).toEqual({ best: rungs[start - 3]!.label, tried: [rungs[start]!.label, rungs[start - 3]!.label] });
    // A coarser try that still clears the target by twice 0.015 goes on down (two rungs for
    // 0.035); a miss there leaves the one that met it. By less, it stands.
    const again = async (after: number) => {
      const scores = Object.fromEntries(rungs.map((p, i) => [p.label, i === start ? 0.9 : i === start - 3 ? after : 0.84]));
      const { ctx, calls } = context({ scores, bytes: Object.fromEntries(rungs.map((p, i) => [p.label, 1000 + 100 * i])), ...photo });
      return { best: (await tier3.run(ctx)).label, tried: calls.map((c) => c.label) };
    };
    expect(await again(0.885)).toEqual({ best: rungs[start - 3]!.label, tried: [rungs[start]!.label, rungs[start - 3]!.label, rungs[start - 5]!.label] });
    expect(await again(0.875)).toEqual({ best: rungs[start - 3]!.label, tried: [rungs[start]!.label, rungs[start - 3]!.label] });
    // Textured photos' rungs lie further apart: 0.03 above is no reason to go down.
    const textured = { features: { flatShare: 0.1 }, width: 768, height: 512, target: 0.85 };
    const steps = tier3Ladder(context({ scores: {}, ...textured }).ctx).filter((p) => p.engine === 'vtracer');
    const coarse = context({ scores: Object.fromEntries(steps.map((p) => [p.label, 0.88])), ...textured });
    await tier3.run(coarse.ctx);
    expect(coarse.calls).toHaveLength(1);
  });

  it('climbs one rung when a rung\'s gain may close the gap (0.005), two when further short', async () => {
    const photo = { features: { flatShare: 0.4 }, width: 768, height: 512, target: 0.85 };
    const rungs = tier3Ladder(context({ scores: {}, ...photo }).ctx).filter((p) => p.engine === 'vtracer');
    const start = tier3Start(context({ scores: {}, ...photo }).ctx);
    const climb = async (first: number) => {
      const { ctx, calls } = context({ scores: Object.fromEntries(rungs.map((p, i) => [p.label, i === start ? first : 0.855])), ...photo });
      await tier3.run(ctx);
      return calls.map((c) => c.label);
    };
    expect(await climb(0.846)).toEqual([rungs[start]!.label, rungs[start + 1]!.label]);
    expect(await climb(0.84)).toEqual([rungs[start]!.label, rungs[start + 2]!.label]);
  });

  it('rendered art climbs past 0.85 to RENDER_AIM when the caller left quality at the tier\'s target; photos and an explicit quality stop at theirs', async () => {
    const art = { features: { flatShare: 0.95 }, width: 256, height: 256 };
    const rungs = tier3Ladder(context({ scores: {}, ...art }).ctx).filter((p) => p.engine === 'vtracer');
    const start = tier3Start(context({ scores: {}, ...art }).ctx);
    // Every rung from the start meets 0.85; only the third one up meets RENDER_AIM.
    const scores = Object.fromEntries(rungs.map((p, i) => [p.label, i < start + 2 ? RENDER_AIM - 0.02 : RENDER_AIM + 0.005]));
    const climbed = context({ scores, ...art });
    expect((await tier3.run(climbed.ctx)).label).toBe(rungs[start + 2]!.label);
    const asked = context({ scores, ...art, raw: { quality: '0.85' } });
    expect((await tier3.run(asked.ctx)).label).toBe(rungs[start]!.label);
    const photo = { features: { flatShare: 0.4 }, width: 768, height: 512 };
    const photoRungs = tier3Ladder(context({ scores: {}, ...photo }).ctx).filter((p) => p.engine === 'vtracer');
    const photoRun = context({ scores: Object.fromEntries(photoRungs.map((p) => [p.label, 0.86])), ...photo });
    await tier3.run(photoRun.ctx);
    expect(photoRun.calls).toHaveLength(1);
  });

  it('judges photo or rendered art on the trace copy of a large image, not pixel to pixel', async () => {
    // 3840x2160, flat between neighbouring pixels (as a large photo is), busy on its trace copy.
    const big = { features: { flatShare: 0.95 }, width: 3840, height: 2160 };
    const rungs = tier3Ladder(context({ scores: {}, ...big }).ctx).filter((p) => p.engine === 'vtracer');
    const scores = Object.fromEntries(rungs.map((p) => [p.label, 0.86]));
    const noisy = (maxSide: number): RgbaImage => {
      const width = maxSide;
      const height = Math.round((maxSide * 2160) / 3840);
      const data = new Uint8Array(width * height * 4);
      // Grey 100 or 200 at random (3 in 10 bright): 0.3² + 0.7² = 58 % of neighbour pairs flat,
      // as in a photo (texture would be far fewer).
      for (let p = 0; p < width * height; p++) {
        const v = ((p * 2654435761) >>> 0) % 10 < 3 ? 200 : 100;
        data.set([v, v, v, 255], p * 4);
      }
      return { width, height, data };
    };
    const sizes: number[] = [];
    const run = context({ scores, ...big });
    await tier3.run({ ...run.ctx, resized: async (side) => (sizes.push(side), noisy(side)) });
    // A photo: the first rung meeting 0.85 answers; rendered art would climb on to RENDER_AIM.
    expect(run.calls.map((c) => c.label)).toEqual([rungs[tier3Start(run.ctx)]!.label]);
    expect(sizes[0]).toBe(tier3TraceSide(3840, 2160));
    // The same flat share on an image traced at its own size is rendered art, and climbs.
    const art = context({ scores, features: { flatShare: 0.95 }, width: 256, height: 256 });
    await tier3.run(art.ctx);
    expect(art.calls.length).toBeGreaterThan(1);
  });

  it('no tier-3 plan fits circles, ellipses or rectangles, photo or rendered art; tiers 1 and 2 do unless asked not to', async () => {
    for (const kind of [{ features: { flatShare: 0.4 }, width: 768, height: 512 }, { features: { flatShare: 0.95 }, width: 256, height: 256 }, { features: { flatShare: 0.1 }, width: 768, height: 512 }]) {
      const { ctx } = context({ scores: {}, ...kind });
      const ladder = tier3Ladder(ctx);
      expect(ladder.length).toBeGreaterThan(2);
      for (const p of ladder) expect(planFinish(ctx, p).shapes).toBe(false);
      // And what the search hands to evaluate() says so too.
      const run = context({ scores: Object.fromEntries(ladder.map((p) => [p.label, 0.99])), ...kind });
      await tier3.run(run.ctx);
      expect(run.calls.length).toBeGreaterThan(0);
      for (const call of run.calls) expect(call.finish?.shapes).toBe(false);
    }
    const { ctx } = context({ scores: {} });
    for (const p of [...tier1Plans(ctx), ...tier2Plans(ctx)]) expect(planFinish(ctx, p).shapes).toBe(true);
  });

  it('photos and smooth rendered art start at merge cost 0.004, with coarser rungs below a factor sqrt(2) apart to go down to', () => {
    for (const flatShare of [0.4, 0.95]) {
      const { ctx } = context({ scores: {}, features: { flatShare } });
      const rungs = tier3Ladder(ctx).filter((p) => p.engine === 'vtracer');
      expect(rungs[tier3Start(ctx)]!.label).toBe('regions merged up to 0.004 per boundary pixel');
      const costs = rungs.map((p) => p.regions!.segment!.mergeCost);
      expect(tier3Start(ctx)).toBe(6);
      for (let i = 1; i < costs.length; i++) expect(costs[i - 1]! / costs[i]!).toBeCloseTo(Math.SQRT2, 1);
    }
  });
});

describe('caller options on a plan', () => {
  const potrace: Plan = { engine: 'potrace', params: { maxColors: 3, turdSize: 2 }, maxSide: 64, label: 'p' };
  const vtracer: Plan = { engine: 'vtracer', params: { filterSpeckle: 4, hierarchical: 'stacked' }, maxSide: 64, label: 'v' };

  it('min_area becomes each engine\'s speckle filter, in trace pixels', () => {
    const { ctx } = context({ scores: {}, raw: { min_area: '64' }, width: 128, height: 128 });
    const half = source(64, 64); // traced at half size: 64 source px = 16 trace px
    expect(planParams(ctx, potrace, half)).toMatchObject({ turdSize: 16 });
    expect(planParams(ctx, vtracer, half)).toMatchObject({ filterSpeckle: 4 });
  });

  it('stacking and max_colors reach the engines', () => {
    const { ctx } = context({ scores: {}, raw: { stacking: 'cutout', max_colors: '6' } });
    expect(planParams(ctx, potrace, source(64, 64))).toMatchObject({ stacking: 'cutout', maxColors: 6 });
    expect(planParams(ctx, vtracer, source(64, 64))).toMatchObject({ hierarchical: 'cutout', colorPrecision: 8 });
  });

  it('precision and the gap filler finish the SVG; cutout turns the gap filler on by default', () => {
    expect(planFinish(context({ scores: {}, raw: { precision: '0' } }).ctx, potrace)).toEqual({ precision: 0, shapes: true });
    expect(planFinish(context({ scores: {}, raw: { shapes: 'off' } }).ctx, potrace).shapes).toBe(false);
    expect(planFinish(context({ scores: {}, raw: { stacking: 'cutout' } }).ctx, potrace).gapFiller).toBeGreaterThan(0);
    expect(planFinish(context({ scores: {}, raw: { stacking: 'cutout', gap_filler: 'false' } }).ctx, potrace).gapFiller).toBeUndefined();
  });

  it('a palette maps pixels to its colours, or to transparent', () => {
    const img: RgbaImage = { width: 2, height: 1, data: new Uint8Array([250, 10, 10, 255, 10, 10, 240, 255]) };
    const out = mapToPalette(img, parseOptions({ palette: '#ff0000->#00ff00,#0000ff->transparent' }).palette!);
    expect([...out.data]).toEqual([0, 255, 0, 255, 0, 0, 0, 0]);
  });
});

describe('caller options, engine by engine (each branch of planParams, planImage and evaluatePlan)', () => {
  const plans: Record<'potrace' | 'vtracer' | 'imagetracer', Plan> = {
    potrace: { engine: 'potrace', params: { maxColors: 3, palette: 'auto', turdSize: 2 }, maxSide: 64, label: 'p' },
    vtracer: { engine: 'vtracer', params: { filterSpeckle: 4, hierarchical: 'stacked', colorPrecision: 6 }, maxSide: 64, label: 'v' },
    imagetracer: { engine: 'imagetracer', params: { numberofcolors: 16, pathomit: 8 }, maxSide: 64, label: 'i' },
  };

  it('min_area in source pixels becomes each engine\'s own unit at the traced size, rounded', () => {
    // 10 source px at half size: 2.5 trace px of area, a side of 1.58.
    const { ctx } = context({ scores: {}, raw: { min_area: '10' }, width: 128, height: 128 });
    const half = source(64, 64);
    expect(planParams(ctx, plans.potrace, half)).toMatchObject({ turdSize: 3 });
    expect(planParams(ctx, plans.vtracer, half)).toMatchObject({ filterSpeckle: 2 });
    expect(planParams(ctx, plans.imagetracer, half)).toMatchObject({ pathomit: 6 });
    // Without min_area each engine keeps its plan's own value.
    const none = context({ scores: {}, width: 128, height: 128 }).ctx;
    expect(planParams(none, plans.potrace, half)).toEqual(plans.potrace.params);
    expect(planParams(none, plans.vtracer, half)).toEqual(plans.vtracer.params);
    expect(planParams(none, plans.imagetracer, half)).toEqual(plans.imagetracer.params);
  });

  it('stacking reaches potrace and vtracer under their own names, and nothing else', () => {
    const { ctx } = context({ scores: {}, raw: { stacking: 'cutout' } });
    expect(planParams(ctx, plans.potrace, source(64, 64))).toEqual({ ...plans.potrace.params, stacking: 'cutout' });
    expect(planParams(ctx, plans.vtracer, source(64, 64))).toEqual({ ...plans.vtracer.params, hierarchical: 'cutout' });
    expect(planParams(ctx, plans.imagetracer, source(64, 64))).toEqual(plans.imagetracer.params);
  });

  it('a palette: potrace traces every mapped colour as is, imagetracer counts at least two, vtracer keeps 8 bits', () => {
    const one = context({ scores: {}, raw: { palette: '#ff0000' } }).ctx;
    const potraceParams = planParams(one, plans.potrace, source(64, 64)) as Record<string, unknown>;
    expect(potraceParams).toMatchObject({ maxColors: 256, edgeColors: 'keep', turdSize: 2 });
    expect(potraceParams).not.toHaveProperty('palette');
    expect(planParams(one, plans.imagetracer, source(64, 64))).toMatchObject({ numberofcolors: 2 });
    expect(planParams(one, plans.vtracer, source(64, 64))).toMatchObject({ colorPrecision: 8 });
    const five = context({ scores: {}, raw: { palette: '#f00,#0f0,#00f,#000,#fff' } }).ctx;
    expect(planParams(five, plans.imagetracer, source(64, 64))).toMatchObject({ numberofcolors: 5 });
    // The plan itself is never changed: the next rung starts from its own parameters.
    expect(plans.potrace.params).toEqual({ maxColors: 3, palette: 'auto', turdSize: 2 });
  });

  it('max_colors without a palette: potrace and imagetracer take it as their colour count, vtracer keeps 8 bits', () => {
    const { ctx } = context({ scores: {}, raw: { max_colors: '7' } });
    expect(planParams(ctx, plans.potrace, source(64, 64))).toMatchObject({ maxColors: 7 });
    expect(planParams(ctx, plans.imagetracer, source(64, 64))).toMatchObject({ numberofcolors: 7 });
    expect(planParams(ctx, plans.vtracer, source(64, 64))).toMatchObject({ colorPrecision: 8 });
  });

  it('the image a plan traces: the caller palette\'s colours (not the transparent entries), max_colors quantised for vtracer only, small sources enlarged when asked', async () => {
    const { ctx, calls } = context({ scores: { v: 0.9, p: 0.9 }, raw: { palette: '#ff0000->#00ff00,#0000ff->transparent,#ffffff' } });
    await searchPlans(ctx, [{ ...plans.vtracer, regions: { colours: 32, alphaThreshold: 16 } }]);
    expect(calls[0]!.finish?.colours).toEqual([{ r: 0, g: 255, b: 0 }, { r: 255, g: 255, b: 255 }]);
    // A caller's palette decides the colours: no global palette and no refitted paints.
    expect(calls[0]!.finish?.regions).toBeUndefined();

    const q = context({ scores: { v: 0.9, p: 0.9 }, raw: { max_colors: '2' } });
    await searchPlans(q.ctx, [plans.vtracer]);
    expect(q.calls[0]!.finish?.colours?.length).toBeLessThanOrEqual(2);
    await searchPlans(q.ctx, [plans.potrace]);
    expect(q.calls[1]!.finish?.colours).toBeUndefined();

    const sizes: number[] = [];
    const small = context({ scores: { v: 0.9 }, width: 40, height: 20 });
    small.ctx.evaluate = async (engine, _params, image, label) => {
      sizes.push(image.width);
      return { engine, label, svg: '<svg/>', ssim: 0.9, bytes: 10 };
    };
    await searchPlans(small.ctx, [{ ...plans.vtracer, maxSide: 80, enlarge: true }]);
    await searchPlans(small.ctx, [{ ...plans.vtracer, maxSide: 80 }]);
    expect(sizes).toEqual([80, 40]);
  });

  it('regions: refitted paints with gradients unless the caller turned them off; segmentation only when the plan asks', async () => {
    const regions = { colours: 16, alphaThreshold: 16 };
    const on = context({ scores: { v: 0.9 } });
    await searchPlans(on.ctx, [{ ...plans.vtracer, regions }]);
    expect(on.calls[0]!.finish?.regions).toMatchObject({ gradients: true });
    expect(on.calls[0]!.finish?.regions).not.toHaveProperty('segments');
    const off = context({ scores: { v: 0.9 }, raw: { gradients: 'off' } });
    await searchPlans(off.ctx, [{ ...plans.vtracer, regions: { ...regions, segment: { mergeCost: 0.002, minArea: 4 } } }]);
    expect(off.calls[0]!.finish?.regions).toMatchObject({ gradients: false, segments: { regions: expect.any(Number) } });
  });

  it('pickBest: a score equal to the target meets it; among those the fewest bytes win, the first of equals', () => {
    const c = (label: string, ssim: number, bytes: number): Candidate => ({ engine: 'vtracer', label, svg: '', ssim, bytes });
    expect(pickBest([c('a', 0.84, 100), c('b', 0.85, 800)], 0.85).label).toBe('b');
    expect(pickBest([c('a', 0.9, 500), c('b', 0.95, 500)], 0.85).label).toBe('a');
    expect(pickBest([c('a', 0.7, 500), c('b', 0.7, 100)], 0.85).label).toBe('a');
  });

  it('searches: every plan failing rethrows the last error; the ladder clamps its start and moves past a failing rung', async () => {
    const none = context({ scores: {} });
    await expect(searchPlans(none.ctx, [plan('x'), plan('y')])).rejects.toThrow('no score for y');
    await expect(searchLadder(none.ctx, [plan('x'), plan('y')], 0)).rejects.toThrow('no score for y');
    const ladder = ['r0', 'r1', 'r2'].map(plan);
    const high = context({ scores: { r2: 0.9 } });
    expect((await searchLadder(high.ctx, ladder, 9)).label).toBe('r2');
    const low = context({ scores: { r0: 0.9 } });
    expect((await searchLadder(low.ctx, ladder, -3)).label).toBe('r0');
    const failing = context({ scores: { r1: 0.9 } });
    expect((await searchLadder(failing.ctx, ladder, 0)).label).toBe('r1');
    expect(failing.calls.map((c) => c.label)).toEqual(['r0', 'r1']);
  });

  it('a ladder short by exactly the far-short margin climbs one rung, not two; far past the top it still tries the top', async () => {
    const ladder = ['r0', 'r1', 'r2', 'r3'].map(plan);
    // Binary-exact numbers: short by exactly farShort.
    const near = context({ scores: { r0: 0.25, r1: 0.9 }, target: 0.5 });
    await searchLadder(near.ctx, ladder, 0, { farShort: 0.25 });
    expect(near.calls.map((c) => c.label)).toEqual(['r0', 'r1']);
    const top = context({ scores: { r2: 0.5, r3: 0.6 }, target: 0.85 });
    await searchLadder(top.ctx, ladder, 2);
    expect(top.calls.map((c) => c.label)).toEqual(['r2', 'r3']);
  });
});

describe('tier 3: soft transparency, small sources and the engines it may use', () => {
  const withAlpha = (alphas: number[]): DecodedImage => ({
    width: alphas.length,
    height: 1,
    data: new Uint8Array(alphas.flatMap((a) => [200, 100, 50, a])),
    hasTransparency: true,
  });

  it('soft share: of the visible pixels (alpha >= 16), those not opaque (alpha < 240)', () => {
    expect(softAlphaShare(withAlpha([0, 15, 16, 239, 240, 255]))).toBe(0.5);
    expect(softAlphaShare(withAlpha([0, 0, 15]))).toBe(0);
    expect(softAlphaShare(withAlpha([255, 255, 128]))).toBeCloseTo(1 / 3, 10);
  });

  it('a source with much soft alpha is traced cut out (stacked translucent shapes would compound), others stacked', () => {
    const soft = withAlpha(Array.from({ length: 64 }, (_, i) => (i % 2 ? 128 : 255)));
    const { ctx } = context({ scores: {} });
    const rungs = (src: DecodedImage) => tier3Ladder({ ...ctx, source: src }).filter((p) => p.engine === 'vtracer');
    for (const p of rungs(soft)) expect(p.params).toMatchObject({ hierarchical: 'cutout' });
    const few = withAlpha(Array.from({ length: 64 }, (_, i) => (i < 4 ? 128 : 255)));
    for (const p of rungs(few)) expect((p.params as { hierarchical: string }).hierarchical).not.toBe('cutout');
    const opaque = { ...soft, hasTransparency: false };
    for (const p of rungs(opaque)) expect((p.params as { hierarchical: string }).hierarchical).not.toBe('cutout');
  });

  it('sources under 32 px on the shorter side are traced at their size; from 32 px they are enlarged', () => {
    expect(tier3TraceSide(31, 200)).toBe(200);
    expect(tier3TraceSide(32, 32)).toBe(64);
  });

  it('engine=auto climbs vtracer rungs only; a named other engine gets only its own plans', async () => {
    const probe = context({ scores: {} });
    const labels = tier3Ladder(probe.ctx).map((p) => p.label);
    const low = Object.fromEntries(labels.map((l) => [l, 0.5]));
    const auto = context({ scores: low });
    await tier3.run(auto.ctx);
    const engineOf = new Map(tier3Ladder(probe.ctx).map((p) => [p.label, p.engine]));
    expect(auto.calls.length).toBeGreaterThan(0);
    expect(auto.calls.every((c) => engineOf.get(c.label) === 'vtracer')).toBe(true);
    const named = context({ scores: low, raw: { engine: 'imagetracer' } });
    await tier3.run(named.ctx);
    expect(named.calls.map((c) => c.label)).toEqual(tier3Ladder(named.ctx).filter((p) => p.engine === 'imagetracer').map((p) => p.label));
  });
});
