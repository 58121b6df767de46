/** The contract every tracer satisfies: straight 8-bit RGBA pixels and parameters in, an SVG document out. */

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes, RGBA, not premultiplied. */
  readonly data: Uint8Array;
}

/** `pixels` is chosen for tiny images only (see pixel-runs.ts); the request option names the three tracers. */
export type EngineName = 'potrace' | 'imagetracer' | 'vtracer' | 'pixels';

/** What produced a result: one of the engines, or the centerline tracer (src/centerline/). */
export type TracerName = EngineName | 'centerline';

export const ENGINE_NAMES: readonly EngineName[] = ['potrace', 'imagetracer', 'vtracer', 'pixels'];

export interface Engine<P> {
  readonly name: EngineName;
  /** Version of the underlying tracer package; part of result cache keys. */
  readonly version: string;
  /**
   * Returns a complete SVG document whose user space is the image's pixel grid:
   * width/height attributes and viewBox="0 0 width height". Same input, same output.
   */
  trace(image: RgbaImage, params: P): Promise<string>;
}
