/**
 * Large renders and decodes live outside the JS heap (resvg's pixmap in Rust, libvips buffers):
 * V8 does not count them, so with a small heap it may not collect their wrappers for many
 * conversions, and a process holding three 40-megapixel renders is far over its memory limit.
 * After work on a large image a full collection is asked for, which frees them at once.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Pixels from which a collection is worth its few milliseconds. */
export const LARGE_IMAGE_PIXELS = 4_000_000;

let collect: (() => void) | undefined;

function collector(): () => void {
  if (!collect) {
    // The documented way to reach gc() at run time without --expose-gc on the command line.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** A full collection now: frees the native memory behind every dropped wrapper. */
export function collectGarbage(): void {
  collector()();
}

/**
 * Frees the native memory of dropped large images now, when `pixels` is large enough to matter:
 * a collection, then a turn of the event loop, where the wrappers' finalisers free their memory.
 */
export async function releaseNativeMemory(pixels: number): Promise<void> {
  if (pixels < LARGE_IMAGE_PIXELS) return;
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
}
