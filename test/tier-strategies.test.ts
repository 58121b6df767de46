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
import { tier1Plans } from '../src/tiers/tier1.js';
import { tier2Plans } from '../src/tiers/tier2.js';
import { tier3, tier3Ladder, tier3Start, tier3TraceSide } from '../src/tiers/tier3.js';

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
    const { ctx } = context({ scores: {}, width: 384, height: 256 });
    expect(tier3Ladder(ctx)[0]).toMatchObject({ maxSide: 768, enlarge: true });
  });

  it('rendered art: traced whole (no tiles), coarse to fine clustering, every rung on one global palette with region fills', () => {
    const { ctx } = context({ scores: {}, features: { flatShare: 0.95 }, width: 768, height: 512 });
    const ladder = tier3Ladder(ctx).filter((p) => p.engine === 'vtracer');
    expect(ladder.length).toBeGreaterThanOrEqual(6);
    const steps = ladder.map((p) => (p.params as { layerDifference: number }).layerDifference);
    expect([...steps].sort((a, b) => b - a)).toEqual(steps);
    for (const p of ladder) {
      expect(p.params).toMatchObject({ mode: 'polygon', tileSize: 0 });
      expect(p.regions).toMatchObject({ colours: 256 });
      expect(p.regions?.segment).toBeUndefined();
    }
  });

  it('photos: one segmentation of the whole image, coarse to fine, then tiles that only trace its borders', () => {
    const { ctx } = context({ scores: {}, features: { flatShare: 0.4 }, width: 768, height: 512 });
    const ladder = tier3Ladder(ctx).filter((p) => p.engine === 'vtracer');
    expect(ladder.length).toBeGreaterThanOrEqual(5);
    const costs = ladder.map((p) => p.regions!.segment!.mergeCost);
    expect([...costs].sort((a, b) => b - a)).toEqual(costs);
    // No clustering of its own in a tile (layer difference 0): the tiles cannot disagree.
    for (const p of ladder) expect(p.params).toMatchObject({ colorPrecision: 8, layerDifference: 0, tileSize: 256 });
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
      const scores = Object.fromEntries(rungs.map((p) => [p.label, 0.87]));
      const { ctx, calls } = context({ scores, raw: { engine }, features: { flatShare: 0.4 }, width: 768, height: 512 });
      await tier3.run(ctx);
      expect(calls.map((c) => c.label)).toEqual([rungs[tier3Start(ctx)]!.label]);
    }
  });

  it('tries a coarser rung for fewer bytes when the first score clears the target by 0.04, two rungs by 0.08', async () => {
    const photo = { features: { flatShare: 0.4 }, width: 768, height: 512, target: 0.85 };
    const rungs = tier3Ladder(context({ scores: {}, ...photo }).ctx).filter((p) => p.engine === 'vtracer');
    const start = tier3Start(context({ scores: {}, ...photo }).ctx);
    expect(start).toBeGreaterThanOrEqual(2);
    const walk = async (first: number) => {
      const scores = Object.fromEntries(rungs.map((p, i) => [p.label, i === start ? first : 0.86]));
      const bytes = Object.fromEntries(rungs.map((p, i) => [p.label, 1000 + 100 * i]));
      const { ctx, calls } = context({ scores, bytes, ...photo });
      const best = await tier3.run(ctx);
      return { best: best.label, tried: calls.map((c) => c.label) };
    };
    expect(await walk(0.885)).toEqual({ best: rungs[start]!.label, tried: [rungs[start]!.label] });
    expect(await walk(0.895)).toEqual({ best: rungs[start - 1]!.label, tried: [rungs[start]!.label, rungs[start - 1]!.label] });
    expect(await walk(0.935)).toEqual({ best: rungs[start - 2]!.label, tried: [rungs[start]!.label, rungs[start - 2]!.label] });
  });

  it('rendered art climbs past 0.85 to 0.92 when the caller left quality at the tier\'s target; photos and an explicit quality stop at theirs', async () => {
    const art = { features: { flatShare: 0.95 }, width: 256, height: 256 };
    const rungs = tier3Ladder(context({ scores: {}, ...art }).ctx).filter((p) => p.engine === 'vtracer');
    const start = tier3Start(context({ scores: {}, ...art }).ctx);
    // Every rung from the start meets 0.85; only the third one up meets 0.92.
    const scores = Object.fromEntries(rungs.map((p, i) => [p.label, i < start + 2 ? 0.87 : 0.93]));
    const climbed = context({ scores, ...art });
    expect((await tier3.run(climbed.ctx)).label).toBe(rungs[start + 2]!.label);
    const asked = context({ scores, ...art, raw: { quality: '0.85' } });
    expect((await tier3.run(asked.ctx)).label).toBe(rungs[start]!.label);
    const photo = { features: { flatShare: 0.4 }, width: 768, height: 512 };
    const photoRungs = tier3Ladder(context({ scores: {}, ...photo }).ctx).filter((p) => p.engine === 'vtracer');
    const photoRun = context({ scores: Object.fromEntries(photoRungs.map((p) => [p.label, 0.87])), ...photo });
    await tier3.run(photoRun.ctx);
    expect(photoRun.calls).toHaveLength(1);
  });

  it('photos start higher on the ladder than smooth rendered art', () => {
    expect(tier3Start(context({ scores: {}, features: { flatShare: 0.4 } }).ctx)).toBeGreaterThan(tier3Start(context({ scores: {}, features: { flatShare: 0.95 } }).ctx));
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
