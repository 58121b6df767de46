import { describe, it, expect } from 'vitest';
import { bytesVersus, median, minimum, percentile, summarise, type Measurement } from '../src/bench/stats.js';
import { fmtKb, fmtMs, fmtRatio, fmtSsim, markdownTable } from '../src/bench/table.js';

describe('median', () => {
  it('is null for no values', () => {
    expect(median([])).toBeNull();
  });
  it('is the middle value of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
  it('is the mean of the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('percentile (nearest rank)', () => {
  it('is null for no values', () => {
    expect(percentile([], 95)).toBeNull();
  });
  it('takes rank ceil(p/100 * n) of the sorted values', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1
    expect(percentile(values, 95)).toBe(19); // ceil(19) = 19th
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 100)).toBe(20);
  });
  it('returns the maximum for small samples', () => {
    expect(percentile([10, 30, 20], 95)).toBe(30); // ceil(2.85) = 3rd
    expect(percentile([7], 95)).toBe(7);
  });
  it('rounds the rank up, never interpolates', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95)).toBe(11); // ceil(10.45) = 11th
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10); // ceil(9.5) = 10th
  });
  it('refuses a percentile outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('minimum', () => {
  it('is null for no values, else the smallest', () => {
    expect(minimum([])).toBeNull();
    expect(minimum([0.9, 0.8, 0.95])).toBe(0.8);
  });
});

function m(over: Partial<Measurement>): Measurement {
  return {
    group: 'tier1',
    file: 'a.png',
    engine: 'svg-ai',
    ssim: 0.96,
    ms: 100,
    bytes: 2048,
    tier: 1,
    folderTier: 1,
    target: 0.95,
    targetMet: true,
    ...over,
  };
}

describe('summarise', () => {
  const data: Measurement[] = [
    m({ file: 'a.png', ssim: 0.97, ms: 100, bytes: 1024 }),
    m({ file: 'b.png', ssim: 0.93, ms: 300, bytes: 3072, targetMet: false, tier: 2 }),
    m({ file: 'c.png', ssim: null, ms: null, bytes: null, targetMet: false, error: 'HTTP 500' }),
    m({ file: 'a.png', engine: 'vtracer (CLI defaults)', ssim: 0.99, ms: 10, bytes: 4096 }),
    m({ file: 'b.png', engine: 'vtracer (CLI defaults)', ssim: 0.98, ms: 20, bytes: 4096 }),
    m({ group: 'tier2', file: 'z.png', ssim: 0.5, tier: 2, folderTier: 2, target: 0.9, targetMet: false }),
  ];

  it('gives one row per engine present, in display order, for the group only', () => {
    const rows = summarise('tier1', data);
    expect(rows.map((r) => r.engine)).toEqual(['svg-ai', 'vtracer (CLI defaults)']);
  });

  it('counts failures as images that missed, and leaves them out of the value statistics', () => {
    const [ours] = summarise('tier1', data);
    expect(ours).toMatchObject({ images: 3, met: 1, failed: 1, ssimMedian: 0.95, ssimMin: 0.93, msMedian: 200, msP95: 300, kbMedian: 2, kbTotal: 4 });
  });

  it('reports tier agreement for svg-ai only', () => {
    const [ours, vtracer] = summarise('tier1', data);
    expect(ours!.tierAgreement).toBe(1); // a.png; b.png chose tier 2, c.png failed
    expect(vtracer!.tierAgreement).toBeUndefined();
  });

  it('is empty for a group without measurements', () => {
    expect(summarise('transparent', data)).toEqual([]);
  });
});

describe('bytesVersus', () => {
  it("compares totals over the images both engines converted", () => {
    const data = [
      m({ file: 'a.png', bytes: 1000 }),
      m({ file: 'b.png', bytes: 500 }),
      m({ file: 'c.png', bytes: null, error: 'x' }),
      m({ file: 'a.png', engine: 'vtracer (CLI defaults)', bytes: 4000 }),
      m({ file: 'b.png', engine: 'vtracer (CLI defaults)', bytes: 1000 }),
      m({ file: 'c.png', engine: 'vtracer (CLI defaults)', bytes: 9000 }),
    ];
    expect(bytesVersus('tier1', data)).toEqual({ percent: 30, images: 2 });
  });
  it('is null when nothing can be compared', () => {
    expect(bytesVersus('tier1', [m({})])).toBeNull();
  });
});

describe('markdownTable', () => {
  it('pads cells to the column width and marks right-aligned columns', () => {
    const table = markdownTable(['engine', 'n'], [['svg-ai', '12'], ['potrace (default)', '3']], ['left', 'right']);
    expect(table.split('\n')).toEqual([
      '| engine            |   n |',
      '| ----------------- | --: |',
      '| svg-ai            |  12 |',
      '| potrace (default) |   3 |',
    ]);
  });
  it('fills missing cells with blanks', () => {
    expect(markdownTable(['a', 'b'], [['x']]).split('\n')[2]).toBe('| x   |     |');
  });
});

describe('number formatting', () => {
  it('rounds SSIM to 4 decimals, ms to integers, KB to one decimal', () => {
    expect(fmtSsim(0.912345)).toBe('0.9123');
    expect(fmtMs(1234.5)).toBe('1235');
    expect(fmtKb(12.345)).toBe('12.3');
    expect(fmtRatio(3, 16)).toBe('3/16');
  });
  it('shows a dash for a missing value', () => {
    expect(fmtSsim(null)).toBe('–');
    expect(fmtMs(null)).toBe('–');
    expect(fmtKb(null)).toBe('–');
  });
});

describe('seam columns', () => {
  it('summarise reports the median and the largest seam score of each engine', async () => {
    const rows = summarise('tier3', [
      m({ group: 'tier3', engine: 'svg-ai', file: 'a.png', seam: 0.02 }),
      m({ group: 'tier3', engine: 'svg-ai', file: 'b.png', seam: 0.12 }),
      m({ group: 'tier3', engine: 'svg-ai', file: 'c.png', seam: 0.04 }),
    ]);
    expect(rows[0]).toMatchObject({ seamMedian: 0.04, seamMax: 0.12 });
  });

  it('the worst-seams listing names svg-ai images above 0.05, worst first, with the peers beside', async () => {
    const { worstSeamsTable } = await import('../src/cli/bench.js');
    const table = worstSeamsTable([
      m({ group: 'tier3', engine: 'svg-ai', file: 'a.png', seam: 0.02 }),
      m({ group: 'tier3', engine: 'svg-ai', file: 'b.png', seam: 0.12 }),
      m({ group: 'tier3', engine: 'svg-ai', file: 'c.png', seam: 0.4 }),
      m({ group: 'tier3', engine: 'vtracer (CLI defaults)', file: 'c.png', seam: 0.01 }),
    ])!;
    const lines = table.split('\n').slice(2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/c\.png.*0\.400.*0\.010/);
    expect(lines[1]).toMatch(/b\.png.*0\.120/);
  });
});

describe('primitives per image', () => {
  it('the per-image table lists every svg-ai image of the group with its primitives by kind, and the totals', async () => {
    const { perImageTable } = await import('../src/cli/bench.js');
    const table = perImageTable(
      [
        m({ group: 'tier1', engine: 'svg-ai', file: 'a.png', ssim: 0.99, bytes: 1000, tracer: 'potrace', primitives: { circle: 2, ellipse: 0, rect: 1 } }),
        m({ group: 'tier1', engine: 'svg-ai', file: 'b.png', ssim: 0.98, bytes: 500, tracer: 'potrace', primitives: { circle: 0, ellipse: 1, rect: 0 } }),
        m({ group: 'tier1', engine: 'vtracer (CLI defaults)', file: 'a.png', bytes: 9999 }),
        m({ group: 'tier2', engine: 'svg-ai', file: 'c.png', primitives: { circle: 5, ellipse: 0, rect: 0 } }),
      ],
      'tier1',
    )!;
    const lines = table.split('\n').slice(2);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\| a\.png\s+\|\s+0\.9900 \|\s+1000 \| potrace\s+\|\s+3 \|\s+2 \|\s+0 \|\s+1 \|$/);
    expect(lines[1]).toMatch(/^\| b\.png .*\|\s+1 \|\s+0 \|\s+1 \|\s+0 \|$/);
    expect(lines[2]).toMatch(/^\| total \(2\) \/ median\s+\|\s+0\.9850 \|\s+1500 \(1\.5 KB\) \|\s+\|\s+4 \|\s+2 \|\s+1 \|\s+1 \|$/);
    expect(perImageTable([], 'tier1')).toBeNull();
  });
});
