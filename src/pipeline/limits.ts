import type { Config } from '../config/config.js';
import type { ProbeResult } from './probe.js';

/** The image limits a conversion runs under; derived from the service configuration only. */
export interface ImageLimits {
  maxPixels: number;
  maxSidePx: number;
  maxFrames: number;
  traceMaxSide: number;
  maxSvgBytes: number;
}

export function limitsFromConfig(config: Config): ImageLimits {
  return {
    maxPixels: Math.round(config.MAX_MEGAPIXELS * 1_000_000),
    maxSidePx: config.MAX_SIDE_PX,
    maxFrames: config.MAX_FRAMES,
    traceMaxSide: config.TRACE_MAX_SIDE,
    maxSvgBytes: config.MAX_SVG_BYTES,
  };
}

/**
 * Formats whose decoder fills a whole frame buffer of the image's size that is then copied into
 * the decoded output, so a decode holds two full-size images at once (measured at 40 megapixels:
 * a still or animated WebP and a GIF peaked 330 MB above the process; PNG and JPEG, decoded row by
 * row, 170 MB).
 */
const WHOLE_FRAME_DECODERS: ReadonlySet<string> = new Set(['gif', 'webp']);

/** Pixels a decode holds at once, as counted against MAX_MEGAPIXELS and the in-flight budget. */
export function decodeCost(probe: Pick<ProbeResult, 'format' | 'width' | 'height'>): number {
  return probe.width * probe.height * (WHOLE_FRAME_DECODERS.has(probe.format) ? 2 : 1);
}
