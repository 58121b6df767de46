/**
 * A conversion whose caller went away starts no further native or scoring work: between vtracer
 * tiles, between render bands and between a candidate's trace and its scoring, the check that
 * convertImage installs is consulted (and nothing is checked when no caller can leave).
 */
import { describe, expect, it } from 'vitest';
import { traceVtracer, VTRACER_CLI_DEFAULTS } from '../src/engines/vtracer.js';
import type { AppError } from '../src/errors/app-error.js';
import { throwIfCancelled, withCancellation } from '../src/pipeline/cancellation.js';
import { classify } from '../src/pipeline/classify.js';
import { renderSvgBands } from '../src/quality/rasterize.js';

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

/** A w x h RGBA image: left half navy, right half white. */
function halves(width: number, height: number) {
  const data = new Uint8Array(width * height * 4).fill(255);
  for (let y = 0; y < height; y++) for (let x = 0; x < width / 2; x++) data.set([20, 30, 110, 255], (y * width + x) * 4);
  return { width, height, data };
}

describe('cancellation inside a stage', () => {
  it('throws CLIENT_CLOSED only inside a conversion whose caller has gone', async () => {
    expect(() => throwIfCancelled()).not.toThrow();
    await withCancellation(() => false, async () => expect(() => throwIfCancelled()).not.toThrow());
    const err = await errorOf(withCancellation(() => true, async () => throwIfCancelled()));
    expect(err?.code).toBe('CLIENT_CLOSED');
    // The check follows the conversion across awaits (native calls included), and no further.
    const err2 = await errorOf(withCancellation(() => true, async () => { await new Promise((r) => setTimeout(r, 5)); throwIfCancelled(); }));
    expect(err2?.code).toBe('CLIENT_CLOSED');
    expect(() => throwIfCancelled()).not.toThrow();
  });

  it('a tiled vtracer trace starts no tile after its caller has gone', async () => {
    const image = halves(256, 256);
    const params = { ...VTRACER_CLI_DEFAULTS, tileSize: 64, tileConcurrency: 1 };
    let checks = 0;
    // The caller leaves after the first tile has started: 16 tiles, one traced.
    const err = await errorOf(withCancellation(() => ++checks > 1, () => traceVtracer(image, params)));
    expect(err?.code).toBe('CLIENT_CLOSED');
    expect(checks).toBe(2);
    const whole = await withCancellation(() => false, () => traceVtracer(image, params));
    expect(whole).toMatch(/^<svg/);
  });

  it('classifying a large image stops part-way once its caller has gone', async () => {
    const image = halves(2000, 1500);
    let rows = 0;
    const err = await errorOf(withCancellation(() => ++rows > 3, async () => classify(image)));
    expect(err?.code).toBe('CLIENT_CLOSED');
    expect(rows).toBe(4);
    expect(classify(image).tier).toBeGreaterThanOrEqual(1);
  });

  it('a banded render stops at the next band after its caller has gone', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="3000" height="2000" viewBox="0 0 3000 2000"><rect width="1500" height="2000" fill="#142a6e"/></svg>';
    let bands = 0;
    const err = await errorOf(withCancellation(() => bands >= 2, () => renderSvgBands(svg, 3000, 2000, () => void bands++)));
    expect(err?.code).toBe('CLIENT_CLOSED');
    expect(bands).toBe(2);
    let all = 0;
    await withCancellation(() => false, () => renderSvgBands(svg, 3000, 2000, () => void all++));
    expect(all).toBeGreaterThan(2);
  });
});
