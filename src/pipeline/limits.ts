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
 * Pixels a decode holds at once, as counted against MAX_MEGAPIXELS and the in-flight budget. The
 * first frame of an animated GIF or WebP is drawn on a canvas of the image's full size and then
 * copied out, so it holds two full-size images (measured: a 40-megapixel animated WebP peaked
 * 330 MB above the process, a still one of the same size 170 MB).
 */
export function decodeCost(probe: Pick<ProbeResult, 'width' | 'height' | 'frames'>): number {
  return probe.width * probe.height * (probe.frames > 1 ? 2 : 1);
}
