/**
 * The development corpus (../shared/corpus, beside the project; not part of it). Every image
 * converts; tier 1 and tier 2 images meet their SSIM targets; the classifier agrees with the
 * folders. Where the corpus is absent (a user's fresh clone) the suite says so and skips.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConversionResult } from '../src/pipeline/convert.js';
import { TracePool } from '../src/queue/thread-pool.js';
import { TIER_TARGETS } from '../src/tiers/thresholds.js';
import { testConfig } from './helpers/service.js';

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus');
const present = existsSync(path.join(CORPUS, 'tier1'));
if (!present) console.warn(`[corpus] skipped: no corpus at ../shared/corpus (it is not part of the project)`);

const pool = present ? new TracePool(testConfig()) : undefined;
afterAll(() => pool?.close());

const results = new Map<string, { folderTier: 1 | 2 | 3; result: ConversionResult }>();

async function images(tier: 1 | 2 | 3): Promise<string[]> {
  return present ? (await readdir(path.join(CORPUS, `tier${tier}`))).filter((f) => f.endsWith('.png')).sort() : [];
}

describe.skipIf(!present)('corpus', async () => {
  for (const tier of [1, 2, 3] as const) {
    const files = await images(tier);
    describe(`tier${tier}`, () => {
      it.concurrent.each(files)('%s converts' + (tier < 3 ? ' and meets its target' : ''), async (file) => {
        const result = await pool!.convert(await readFile(path.join(CORPUS, `tier${tier}`, file)), { tier: 'auto', engine: 'auto' });
        results.set(file, { folderTier: tier, result });
        expect(result.svg).toMatch(/^<svg/);
        if (tier < 3) expect(result.ssim, `${file}: ${result.engine} ${result.strategy}`).toBeGreaterThanOrEqual(TIER_TARGETS[tier].ssim);
      });
    });
  }

  it('classifies at least 90 % of the images into their folder tier', () => {
    expect(results.size).toBe(48);
    const agree = [...results.values()].filter((r) => r.result.tier === r.folderTier).length;
    expect(agree / results.size).toBeGreaterThanOrEqual(0.9);
  });
});
