/**
 * The conversion as a plain list of named stages. One loop runs them, times each, reports progress
 * and checks the deadline between them. Adding a stage is one function and one line in STAGES.
 */
import { centerlineCandidate } from '../centerline/candidate.js';
import type { CenterlineFacts } from '../centerline/index.js';
import type { RgbaImage } from '../engines/engine.js';
import { isTinyImage } from '../engines/pixel-runs.js';
import { AppError } from '../errors/app-error.js';
import { strategyFor } from '../tiers/index.js';
import type { Candidate } from '../tiers/strategy.js';
import { SEARCH_BUDGET_MS, TIER_TARGETS, type Tier } from '../tiers/thresholds.js';
import { clientClosed } from './cancellation.js';
import { classify, type Classification } from './classify.js';
import { decodeImage, type DecodedImage } from './decode.js';
import { makeEvaluator, scoreSvg, type Evaluator } from './evaluate.js';
import { assertGifDataSuffices } from './gif-data.js';
import { guardLimits } from './guard.js';
import type { ImageLimits } from './limits.js';
import type { ConvertOptions } from './options.js';
import { probeImage, type ProbeResult } from './probe.js';
import { scaleToLongerSide } from './resize.js';
import { sniffFormat, type ImageFormat } from './sniff.js';
import { outlineWidth } from './stroke-style.js';

export type StageName = 'sniff' | 'probe' | 'guard' | 'decode' | 'classify' | 'trace' | 'optimize' | 'score';

export interface PipelineState {
  readonly input: Uint8Array;
  readonly options: ConvertOptions;
  readonly limits: ImageLimits;
  readonly startedAt: number;
  /** Hard limit per tier, in ms from the start. */
  readonly deadlines: Readonly<Record<Tier, number>>;
  /** Epoch ms by which the conversion must be done: the longest deadline until the tier is known. */
  deadline: number;
  format?: ImageFormat;
  probe?: ProbeResult;
  image?: DecodedImage;
  classification?: Classification;
  tier?: Tier;
  evaluator?: Evaluator;
  candidate?: Candidate;
  svg?: string;
  ssim?: number;
  /** Set when draw_style=centerline traced the image. */
  centerline?: CenterlineFacts;
  timings: Partial<Record<StageName, number>>;
  /**
   * Time a stage spent on another stage's work, by that stage: the trace stage optimises and scores
   * every candidate it tries, and that time is reported as optimize and score, not as trace.
   */
  workFor?: Partial<Record<StageName, number>>;
  /** True once the caller went away: the conversion stops at the next stage or candidate. */
  readonly isCancelled?: () => boolean;
}

function checkCancelled(state: PipelineState): void {
  if (state.isCancelled?.()) throw clientClosed();
}

export interface Stage {
  readonly name: StageName;
  run(state: PipelineState): Promise<void> | void;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`pipeline stage ordering: ${what} is not set`);
  return value;
};

/** Share of the remaining time a strategy may spend searching; the rest is kept for scoring and answering. */
const SEARCH_SHARE = 0.6;

/**
 * How long a strategy may search: for a smaller candidate, the search budget (the caller's
 * time_budget_ms, else the tier's); while none meets the target, the tier's remaining time. A
 * caller's own budget bounds both.
 */
export function searchWindow(now: number, deadline: number, tier: Tier, callerBudgetMs?: number): { budgetEndsAt: number; climbEndsAt: number } {
  const searchEnd = now + (deadline - now) * SEARCH_SHARE;
  const budgetEndsAt = Math.min(now + (callerBudgetMs ?? SEARCH_BUDGET_MS[tier]), searchEnd);
  return { budgetEndsAt, climbEndsAt: callerBudgetMs === undefined ? searchEnd : budgetEndsAt };
}

/** The source reduced so its longer side is at most `maxSide`; the source itself when already small. */
function reducedTo(source: DecodedImage, maxSide: number): Promise<RgbaImage> {
  return Math.max(source.width, source.height) <= maxSide ? Promise.resolve(source) : scaleToLongerSide(source, maxSide);
}

export const sniff: Stage = { name: 'sniff', run: (s) => void (s.format = sniffFormat(s.input)) };

export const probe: Stage = {
  name: 'probe',
  run: async (s) => {
    s.probe = await probeImage(s.input, need(s.format, 'format'));
  },
};

export const guard: Stage = {
  name: 'guard',
  run: (s) => {
    const probe = need(s.probe, 'probe');
    guardLimits(probe, s.limits);
    if (probe.format === 'gif') assertGifDataSuffices(s.input);
  },
};

export const decode: Stage = {
  name: 'decode',
  run: async (s) => {
    s.image = await decodeImage(s.input, need(s.probe, 'probe'), s.limits);
  },
};

export const classifyStage: Stage = {
  name: 'classify',
  run: (s) => {
    s.classification = classify(need(s.image, 'image'));
    s.tier = s.options.tier === 'auto' ? s.classification.tier : s.options.tier;
    s.deadline = s.startedAt + s.deadlines[s.tier];
  },
};

export const trace: Stage = {
  name: 'trace',
  run: async (s) => {
    const source = need(s.image, 'image');
    const tier = need(s.tier, 'tier');
    const cache = new Map<number, Promise<RgbaImage>>();
    const outline = outlineWidth(s.options);
    s.evaluator = makeEvaluator(source, s.limits.maxSvgBytes, outline ? { outline } : {});
    if (s.options.drawStyle === 'centerline') {
      // Single strokes along the lines instead of the tier's outline search.
      const { candidate, facts } = await centerlineCandidate(source, s.options, s.limits);
      s.evaluator.measured.set(candidate.svg, candidate.ssim);
      s.candidate = candidate;
      s.centerline = facts;
      return;
    }
    if (isTinyImage(source)) {
      // A few pixels: the exact answer (one rectangle per run) beats any trace, and costs nothing.
      s.candidate = await s.evaluator.evaluate('pixels', {}, source, 'exact pixel runs');
      return;
    }
    const now = Date.now();
    s.candidate = await strategyFor(tier).run({
      source,
      features: need(s.classification, 'classification').features,
      options: s.options,
      target: s.options.quality ?? TIER_TARGETS[tier].ssim,
      ...searchWindow(now, s.deadline, tier, s.options.timeBudgetMs),
      resized: (maxSide) => {
        const side = Math.min(maxSide, s.limits.traceMaxSide);
        let image = cache.get(side);
        if (!image) cache.set(side, (image = reducedTo(source, side)));
        return image;
      },
      evaluate: async (engine, params, image, label, finish) => {
        checkCancelled(s);
        return need(s.evaluator, 'evaluator').evaluate(engine, params, image, label, finish);
      },
    });
    s.workFor = { ...s.workFor, optimize: s.evaluator.spent.optimize, score: s.evaluator.spent.score };
  },
};

/**
 * Every candidate was optimised before it was scored, inside the trace stage: the search compares
 * final byte counts, and the score must be of the exact text returned. This stage takes the chosen
 * one's optimised SVG; its timing is the optimising done for every candidate (see `workFor`).
 */
export const optimize: Stage = {
  name: 'optimize',
  run: (s) => {
    s.svg = need(s.candidate, 'candidate').svg;
  },
};

export const score: Stage = {
  name: 'score',
  run: async (s) => {
    const svg = need(s.svg, 'svg');
    // The evaluator already measured this exact text when the strategy chose it; anything else is measured now.
    s.ssim = s.evaluator?.measured.get(svg) ?? (await scoreSvg(need(s.image, 'image'), svg));
  },
};

/** Checks done before a job is queued: cheap, header-only, and they refuse bad input early. */
export const ADMISSION_STAGES: readonly Stage[] = [sniff, probe, guard];

/** Runs the admission stages on their own; throws the refusal, or returns what the header says. */
export async function admit(input: Uint8Array, options: ConvertOptions, limits: ImageLimits): Promise<ProbeResult> {
  const state: PipelineState = {
    input,
    options,
    limits,
    startedAt: Date.now(),
    deadlines: { 1: Infinity, 2: Infinity, 3: Infinity },
    deadline: Infinity,
    timings: {},
  };
  await runStages(state, ADMISSION_STAGES);
  return need(state.probe, 'probe');
}

export const STAGES: readonly Stage[] = [sniff, probe, guard, decode, classifyStage, trace, optimize, score];

const sum = (times: Partial<Record<StageName, number>> | undefined): number => Object.values(times ?? {}).reduce((a, b) => a + b, 0);

export type ProgressListener = (stage: StageName, index: number, total: number, state: Readonly<PipelineState>) => void;

export async function runStages(
  state: PipelineState,
  stages: readonly Stage[] = STAGES,
  onProgress?: ProgressListener,
): Promise<PipelineState> {
  for (const [index, stage] of stages.entries()) {
    checkCancelled(state);
    if (Date.now() > state.deadline) {
      throw new AppError('TRACE_TIMEOUT', `The conversion ran out of time before the ${stage.name} stage.`);
    }
    onProgress?.(stage.name, index, stages.length, state);
    const started = performance.now();
    const handedOver = sum(state.workFor);
    await stage.run(state);
    const elapsed = performance.now() - started - (sum(state.workFor) - handedOver) + (state.workFor?.[stage.name] ?? 0);
    state.timings[stage.name] = Math.round(Math.max(0, elapsed) * 10) / 10;
  }
  return state;
}
