/** Finished conversions by content + options + engine version. Memory here; Redis in production mode. */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { engines } from '../engines/index.js';
import { cacheRequests } from '../observability/metrics.js';
import type { ConversionResult } from '../pipeline/convert.js';
import { canonicalOptions, type ConvertOptions } from '../pipeline/options.js';

/** Bump when a pipeline change alters output for the same input and options: old cache entries then miss. */
export const PIPELINE_VERSION = '1';

export const ENGINE_VERSION = [
  `pipeline@${PIPELINE_VERSION}`,
  ...Object.values(engines).map((e) => `${e.name}@${e.version}`),
].join(',');

export function contentHash(input: Uint8Array): string {
  return createHash('sha256').update(input).digest('hex');
}

/** The identity of a conversion: identical bytes with identical options give identical results. */
export function conversionKey(input: Uint8Array, options: ConvertOptions): string {
  const variant = createHash('sha256').update(`${canonicalOptions(options)}|${ENGINE_VERSION}`).digest('hex').slice(0, 16);
  return `${contentHash(input)}-${variant}`;
}

/** Lookups count themselves in svgai_cache_requests_total (hit, miss, error). */
export interface ResultCache {
  get(key: string): Promise<ConversionResult | undefined>;
  set(key: string, value: ConversionResult): Promise<void>;
}

export class MemoryResultCache implements ResultCache {
  private readonly lru: LRUCache<string, ConversionResult> | undefined;

  constructor(maxBytes: number, ttlSeconds: number) {
    this.lru =
      maxBytes > 0
        ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (r) => r.bytes + 2048, ttl: ttlSeconds * 1000 })
        : undefined;
  }

  async get(key: string): Promise<ConversionResult | undefined> {
    const found = this.lru?.get(key);
    cacheRequests.inc({ result: found ? 'hit' : 'miss' });
    return found;
  }

  async set(key: string, value: ConversionResult): Promise<void> {
    if (this.lru && value.bytes + 2048 <= this.lru.maxSize) this.lru.set(key, value);
  }
}
