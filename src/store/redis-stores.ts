/**
 * What the production mode keeps in Redis besides the queue: upload bytes (referenced by the job,
 * never inside it) and finished results. Keys live under REDIS_PREFIX; both expire.
 */
import type { Redis } from 'ioredis';
import { cacheRequests } from '../observability/metrics.js';
import type { ConversionResult } from '../pipeline/convert.js';
import type { ResultCache } from './result-cache.js';

export class RedisInputStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(hash: string): string {
    return `${this.prefix}:input:${hash}`;
  }

  async put(hash: string, bytes: Uint8Array): Promise<void> {
    await this.redis.set(this.key(hash), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 'EX', this.ttlSeconds);
  }

  async get(hash: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.key(hash));
  }
}

/**
 * Results by conversion key. The cache fails open: when Redis cannot answer, a lookup is a miss
 * (counted as `error`) and the conversion goes ahead; it never turns into a failed request.
 */
export class RedisResultCache implements ResultCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:result:${id}`;
  }

  async get(id: string): Promise<ConversionResult | undefined> {
    try {
      const text = await this.redis.get(this.key(id));
      cacheRequests.inc({ result: text ? 'hit' : 'miss' });
      return text ? (JSON.parse(text) as ConversionResult) : undefined;
    } catch {
      cacheRequests.inc({ result: 'error' });
      return undefined;
    }
  }

  /** Throws when Redis refuses: a worker must not report a job done whose result was not stored. */
  async set(id: string, value: ConversionResult): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(value), 'EX', this.ttlSeconds);
  }
}
