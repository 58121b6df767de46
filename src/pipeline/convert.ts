/** One upload, from bytes to a scored SVG. Runs inside a worker thread (or the CLI's own process). */
import type { CenterlineFacts } from '../centerline/index.js';
import type { TracerName } from '../engines/engine.js';
import type { Features } from './classify.js';
import type { ImageLimits } from './limits.js';
import type { ConvertOptions } from './options.js';
import type { ImageFormat } from './sniff.js';
import { withCancellation } from './cancellation.js';
import { runStages, type PipelineState, type ProgressListener, type StageName } from './stages.js';
import { TIER_TARGETS, type Tier } from '../tiers/thresholds.js';

export interface ConversionResult {
  svg: string;
  tier: Tier;
  engine: TracerName;
  /** Measured SSIM of `svg` rendered at the source's size against the source (lower of white/black backgrounds when transparent). */
  ssim: number;
  target: number;
  targetMet: boolean;
  width: number;
  height: number;
  format: ImageFormat;
  frames: number;
  transparent: boolean;
  bytes: number;
  strategy: string;
  features: Features;
  timings: Partial<Record<StageName, number>>;
  durationMs: number;
  /** draw_style=centerline: strokes, inks and widths, pen-up travel before and after ordering. */
  centerline?: CenterlineFacts;
}

export async function convertImage(
  input: Uint8Array,
  options: ConvertOptions,
  limits: ImageLimits,
  deadlines: Readonly<Record<Tier, number>>,
  onProgress?: ProgressListener,
  isCancelled?: () => boolean,
): Promise<ConversionResult> {
  const started = performance.now();
  const startedAt = Date.now();
  const state: PipelineState = {
    input,
    options,
    limits,
    startedAt,
    deadlines,
    deadline: startedAt + (options.tier === 'auto' ? Math.max(...Object.values(deadlines)) : deadlines[options.tier]),
    timings: {},
    ...(isCancelled ? { isCancelled } : {}),
  };
  await withCancellation(isCancelled, () => runStages(state, undefined, onProgress));
  const { svg, ssim, tier, candidate, probe, image, classification } = state as Required<PipelineState>;
  const target = options.quality ?? TIER_TARGETS[tier].ssim;
  return {
    svg,
    tier,
    engine: candidate.engine,
    // Truncated, not rounded: the reported number never overstates what was measured.
    ssim: Math.floor(ssim * 10000) / 10000,
    target,
    targetMet: ssim >= target,
    width: image.width,
    height: image.height,
    format: probe.format,
    frames: probe.frames,
    transparent: image.hasTransparency,
    bytes: Buffer.byteLength(svg),
    strategy: candidate.label,
    features: classification.features,
    timings: state.timings,
    durationMs: Math.round(performance.now() - started),
    ...(state.centerline ? { centerline: state.centerline } : {}),
  };
}
