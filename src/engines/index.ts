/** Engine registry: one Engine per EngineName, each typed with its own parameters. */
import type { Engine, EngineName } from './engine.js';
import { DEFAULT_IMAGETRACER_PARAMS, imagetracerEngine, type ImageTracerParams } from './imagetracer.js';
import { pixelRunsEngine, type PixelRunsParams } from './pixel-runs.js';
import { DEFAULT_POTRACE_PARAMS, potraceEngine, type PotraceParams } from './potrace.js';
import { VTRACER_CLI_DEFAULTS, vtracerEngine, type VtracerParams } from './vtracer.js';

export type { Engine, EngineName, RgbaImage } from './engine.js';
export { ENGINE_NAMES } from './engine.js';
export type { Rgb } from '../color/quantize.js';
export type { ImageTracerParams, ImageTracerPreset } from './imagetracer.js';
export type { PotraceParams } from './potrace.js';
export type { VtracerColorMode, VtracerHierarchical, VtracerMode, VtracerParams } from './vtracer.js';
export { DEFAULT_IMAGETRACER_PARAMS } from './imagetracer.js';
export { DEFAULT_POTRACE_PARAMS, potraceDefaultEngine, tracePotraceDefault } from './potrace.js';
export { VTRACER_CLI_DEFAULTS, VTRACER_PHOTO, VTRACER_POSTER } from './vtracer.js';

/** Parameters of each engine, by name. */
export interface EngineParams {
  potrace: PotraceParams;
  imagetracer: ImageTracerParams;
  vtracer: VtracerParams;
  pixels: PixelRunsParams;
}

export type EngineRegistry = { readonly [K in EngineName]: Engine<EngineParams[K]> };

export const engines: EngineRegistry = {
  potrace: potraceEngine,
  imagetracer: imagetracerEngine,
  vtracer: vtracerEngine,
  pixels: pixelRunsEngine,
};

/** Each engine's defaults: colour potrace, imagetracer's 'default' preset, the vtracer CLI. */
export const DEFAULT_ENGINE_PARAMS: { readonly [K in EngineName]: Readonly<EngineParams[K]> } = {
  potrace: DEFAULT_POTRACE_PARAMS,
  imagetracer: DEFAULT_IMAGETRACER_PARAMS,
  vtracer: VTRACER_CLI_DEFAULTS,
  pixels: {},
};

export { imagetracerEngine, pixelRunsEngine, potraceEngine, vtracerEngine };
