/**
 * The classifier's decision thresholds and the per-tier targets. Tuned on the development corpus's
 * tier folders (see test/corpus.test.ts); change them here and re-run `npm run bench`.
 */
export type Tier = 1 | 2 | 3;

export const TIER_TARGETS: Record<Tier, { ssim: number; seconds: number }> = {
  1: { ssim: 0.95, seconds: 2 },
  2: { ssim: 0.9, seconds: 5 },
  3: { ssim: 0.85, seconds: 15 },
};

/**
 * How long a strategy may keep searching for a better candidate when the caller sets no
 * time_budget_ms: a quarter of the tier's target time, so scoring and queueing fit well inside it.
 */
export const SEARCH_BUDGET_MS: Record<Tier, number> = { 1: 500, 2: 1250, 3: 3750 };

export const CLASSIFY = {
  /**
   * Tier 1: one foreground colour family: at most this share of the foreground's interior pixels
   * lies outside its main family (logos and pictograms: <= 0.024 measured; the flattest
   * two-colour clip art: 0.093 and up)...
   */
  tier1MaxSecondShare: 0.06,
  /**
   * ...and at most this many colours cover 95 % of the opaque pixels. c95 counts anti-aliasing
   * too, so it grows as an image shrinks (logos: 2-3 at 512 px, up to 14 at 256 px); gradients
   * start in the hundreds.
   */
  tier1MaxC95: 16,
  /**
   * Tier 2: flat colours, a handful more (clip art: 3-9 at 512-768 px, up to 30 at half that
   * size; the flattest gradient art in the corpus: 73).
   */
  tier2MaxC95: 24,
  /** ...and at least this share of neighbouring pixel pairs are (nearly) the same colour. */
  minFlatShare: 0.8,
  /** Share of neighbour pairs that differ by a small, non-zero step: the signature of gradients and shading. */
  maxSmoothShare: 0.12,
} as const;
