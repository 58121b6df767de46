import type { Config } from '../config/config.js';

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
