/** Pure statistics over benchmark measurements: medians, nearest-rank percentiles, per-engine summaries. */
import type { PrimitiveCount } from '../shapes/count.js';

/** The four columns of the comparison, in display order. */
export const BENCH_ENGINES = ['svg-ai', 'vtracer (CLI defaults)', 'imagetracerjs (default)', 'potrace (default)'] as const;
export type BenchEngine = (typeof BENCH_ENGINES)[number];

export const BENCH_GROUPS = ['tier1', 'tier2', 'tier3', 'transparent'] as const;
export type BenchGroup = (typeof BENCH_GROUPS)[number];

/** One engine on one image. ssim/ms/bytes are null when the run failed (see error). */
export interface Measurement {
  group: BenchGroup;
  file: string;
  engine: BenchEngine;
  ssim: number | null;
  /** svg-ai: wall time of the HTTP request; peers: trace time only. */
  ms: number | null;
  bytes: number | null;
  /** svg-ai: the tier it chose; peers: the folder tier (whose target they are held to). */
  tier: 1 | 2 | 3;
  /** Tier of the image's folder (for the transparent set: its raster twin's folder). */
  folderTier: 1 | 2 | 3;
  /** SSIM target of the folder tier. */
  target: number;
  /** ssim >= target (the folder tier's target, the same yardstick for every engine). */
  targetMet: boolean;
  /** svg-ai only: the service's own verdict, against the target of the tier it chose. */
  serviceTargetMet?: boolean;
  /** Seam score of the SVG (src/quality/seam.ts); null when the run failed. */
  seam?: number | null;
  /** svg-ai only: the engine the service picked. */
  tracer?: string;
  /** svg-ai only: the fitted primitives in the SVG returned (src/shapes/count.ts). */
  primitives?: PrimitiveCount;
  error?: string;
}

export interface SummaryRow {
  group: BenchGroup;
  engine: BenchEngine;
  images: number;
  /** Images whose SSIM met the folder tier's target (failed runs count as missed). */
  met: number;
  failed: number;
  ssimMedian: number | null;
  ssimMin: number | null;
  msMedian: number | null;
  msP95: number | null;
  kbMedian: number | null;
  kbTotal: number;
  /** Largest seam score over the images (null when none was measured). */
  seamMax: number | null;
  seamMedian: number | null;
  /** svg-ai only: images whose chosen tier equals the folder tier. */
  tierAgreement?: number;
}

/** Median; the mean of the middle two for an even count; null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in (0, 100]): the value at rank ceil(p/100 * n) of the sorted values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`Expected percentile in (0, 100] but received ${p}`);
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.max(1, rank) - 1]!;
}

export function minimum(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.min(...values);
}

export function maximum(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

const present = (values: readonly (number | null)[]): number[] => values.filter((v): v is number => v !== null);

/** One row per engine that has measurements in `group`, in BENCH_ENGINES order. */
export function summarise(group: BenchGroup, measurements: readonly Measurement[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const engine of BENCH_ENGINES) {
    const ms = measurements.filter((m) => m.group === group && m.engine === engine);
    if (ms.length === 0) continue;
    const ssims = present(ms.map((m) => m.ssim));
    const times = present(ms.map((m) => m.ms));
    const kbs = present(ms.map((m) => m.bytes)).map((b) => b / 1024);
    const row: SummaryRow = {
      group,
      engine,
      images: ms.length,
      met: ms.filter((m) => m.targetMet).length,
      failed: ms.filter((m) => m.error !== undefined).length,
      ssimMedian: median(ssims),
      ssimMin: minimum(ssims),
      msMedian: median(times),
      msP95: percentile(times, 95),
      kbMedian: median(kbs),
      kbTotal: kbs.reduce((a, b) => a + b, 0),
      seamMax: maximum(present(ms.map((m) => m.seam ?? null))),
      seamMedian: median(present(ms.map((m) => m.seam ?? null))),
    };
    if (engine === 'svg-ai') row.tierAgreement = ms.filter((m) => m.error === undefined && m.tier === m.folderTier).length;
    rows.push(row);
  }
  return rows;
}

/**
 * svg-ai's total bytes as a percentage of vtracer's, over the images both converted
 * (so a failure on either side does not skew the ratio). null when there are none.
 */
export function bytesVersus(
  group: BenchGroup,
  measurements: readonly Measurement[],
  ours: BenchEngine = 'svg-ai',
  theirs: BenchEngine = 'vtracer (CLI defaults)',
): { percent: number; images: number } | null {
  const theirBytes = new Map<string, number>();
  for (const m of measurements) if (m.group === group && m.engine === theirs && m.bytes !== null) theirBytes.set(m.file, m.bytes);
  let a = 0;
  let b = 0;
  let images = 0;
  for (const m of measurements) {
    const other = theirBytes.get(m.file);
    if (m.group !== group || m.engine !== ours || m.bytes === null || other === undefined) continue;
    a += m.bytes;
    b += other;
    images++;
  }
  return images === 0 || b === 0 ? null : { percent: (100 * a) / b, images };
}
