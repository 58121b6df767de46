/**
 * Per-stage timings say where the time went: the trace stage optimises and scores every candidate it
 * tries, and that time is reported under optimize and score, not inside trace.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { tierDeadlines } from '../src/config/config.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { parseOptions } from '../src/pipeline/options.js';
import { ensureFixtures, type FixtureIndex } from './fixtures/index.js';
import { testConfig } from './helpers/service.js';

const config = testConfig();
let fixtures: FixtureIndex;
beforeAll(async () => {
  fixtures = await ensureFixtures();
});

describe('stage timings', () => {
  it.each(['logo-2c', 'flat-art', 'photo-like'] as const)('of %s report the optimising and scoring really done, apart from tracing', async (name) => {
    const result = await convertImage(await readFile(fixtures[name].file), parseOptions({}), limitsFromConfig(config), tierDeadlines(config));
    const t = result.timings;
    // Rendering the SVG at the source's size and measuring SSIM is never free; neither is path optimisation.
    expect(t.score).toBeGreaterThan(1);
    expect(t.optimize).toBeGreaterThan(0);
    expect(t.trace).toBeGreaterThan(0);
    // Nothing is counted twice: the stages add up to no more than the whole conversion.
    const total = Object.values(t).reduce((a, b) => a + (b ?? 0), 0);
    expect(total).toBeLessThanOrEqual(result.durationMs + 1);
  });
});
