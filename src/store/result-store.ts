/**
 * Scored vector results by result id, for GET /api/results/{id}: the same result exported again
 * in another format or size without tracing. Memory here, Redis in production mode; entries
 * expire RESULT_TTL_SECONDS after the conversion that stored them.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors/app-error.js';
import type { ConversionResult } from '../pipeline/convert.js';

/**
 * A result's id, from its conversion key (content + trace options + engine versions): the same
 * conversion always has the same id, so storing it again only renews its expiry. The key itself
 * (which starts with the upload's SHA-256) is not exposed.
 */
export function resultIdOf(conversionKey: string): string {
  return createHash('sha256').update(`result:${conversionKey}`).digest('hex').slice(0, 32);
}

export const RESULT_ID = /^[0-9a-f]{32}$/;

export interface ResultStore {
  save(id: string, result: ConversionResult): Promise<void>;
  get(id: string): Promise<ConversionResult | undefined>;
  has(id: string): Promise<boolean>;
}

export class MemoryResultStore implements ResultStore {
  private readonly results: LRUCache<string, ConversionResult>;

  constructor(maxBytes: number, ttlSeconds: number) {
    this.results = new LRUCache({ maxSize: Math.max(1, maxBytes), sizeCalculation: (r) => r.svg.length + 2048, ttl: ttlSeconds * 1000 });
  }

  async save(id: string, result: ConversionResult): Promise<void> {
    if (result.svg.length + 2048 <= this.results.maxSize) this.results.set(id, result);
  }

  async get(id: string): Promise<ConversionResult | undefined> {
    return this.results.get(id);
  }

  async has(id: string): Promise<boolean> {
    return this.results.has(id);
  }
}

export class RedisResultStore implements ResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:export:${id}`;
  }

  async save(id: string, result: ConversionResult): Promise<void> {
    await unavailableAs503(this.redis.set(this.key(id), JSON.stringify(result), 'EX', this.ttlSeconds));
  }

  async get(id: string): Promise<ConversionResult | undefined> {
    const text = await unavailableAs503(this.redis.get(this.key(id)));
    return text ? (JSON.parse(text) as ConversionResult) : undefined;
  }

  async has(id: string): Promise<boolean> {
    return (await unavailableAs503(this.redis.exists(this.key(id)))) === 1;
  }
}

async function unavailableAs503<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (cause) {
    throw new AppError('NOT_READY', 'The result store (Redis) is unreachable; retry shortly.', { retryAfterSeconds: 5, cause });
  }
}
