import type { TierStrategy } from './strategy.js';
import type { Tier } from './thresholds.js';
import { tier1 } from './tier1.js';
import { tier2 } from './tier2.js';
import { tier3 } from './tier3.js';

const STRATEGIES: Record<Tier, TierStrategy> = { 1: tier1, 2: tier2, 3: tier3 };

export function strategyFor(tier: Tier): TierStrategy {
  return STRATEGIES[tier];
}
