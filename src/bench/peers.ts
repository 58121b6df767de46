/** The peer engines at their defaults, in this process, without our optimisation. */
import { DEFAULT_IMAGETRACER_PARAMS, imagetracerEngine, tracePotraceDefault, VTRACER_CLI_DEFAULTS, vtracerEngine } from '../engines/index.js';
import type { RgbaImage } from '../engines/engine.js';
import { scoreSvg } from '../pipeline/evaluate.js';
import type { DecodedImage } from '../pipeline/decode.js';
import type { BenchEngine } from './stats.js';
import { renderSvg } from '../quality/rasterize.js';
import { seamScore } from '../quality/seam.js';

/** Seam score of an SVG rendered at the source's size. */
export function seamOf(source: DecodedImage, svg: string): number {
  return seamScore(source, renderSvg(svg, source.width, source.height)).score;
}

export interface Peer {
  engine: Exclude<BenchEngine, 'svg-ai'>;
  trace(image: RgbaImage): Promise<string>;
}

export const PEERS: readonly Peer[] = [
  { engine: 'vtracer (CLI defaults)', trace: (image) => vtracerEngine.trace(image, VTRACER_CLI_DEFAULTS) },
  { engine: 'imagetracerjs (default)', trace: (image) => imagetracerEngine.trace(image, DEFAULT_IMAGETRACER_PARAMS) },
  { engine: 'potrace (default)', trace: async (image) => tracePotraceDefault(image) },
];

export interface PeerRun {
  ssim: number;
  /** Trace time only. */
  ms: number;
  bytes: number;
  /** Seam score of the SVG (src/quality/seam.ts). */
  seam: number;
}

export async function runPeer(peer: Peer, source: DecodedImage): Promise<PeerRun> {
  const started = performance.now();
  const svg = await peer.trace(source);
  const ms = performance.now() - started;
  return { ssim: await scoreSvg(source, svg), ms, bytes: Buffer.byteLength(svg, 'utf8'), seam: seamOf(source, svg) };
}
