/**
 * What the production mode keeps in Redis besides the queue: upload bytes (referenced by the job,
 * never inside it) and finished results. Keys live under REDIS_PREFIX; both expire.
 */
import type { ClientRateLimitInfo, IncrementResponse } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
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

  /** A cache lookup before converting: counted in svgai_cache_requests_total. */
  async get(id: string): Promise<ConversionResult | undefined> {
    try {
      const found = await this.fetch(id);
      cacheRequests.inc({ result: found ? 'hit' : 'miss' });
      return found;
    } catch {
      cacheRequests.inc({ result: 'error' });
      return undefined;
    }
  }

  /** The stored result of a finished job, not a cache lookup (so not counted as a hit). */
  async fetch(id: string): Promise<ConversionResult | undefined> {
    const text = await this.redis.get(this.key(id));
    return text ? (JSON.parse(text) as ConversionResult) : undefined;
  }

  /** Throws when Redis refuses: a worker must not report a job done whose result was not stored. */
  async set(id: string, value: ConversionResult): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(value), 'EX', this.ttlSeconds);
  }
}

/**
 * The rate-limit store on Redis. rate-limit-redis loads its Lua scripts once, when the limiter is
 * created, and keeps that promise: if Redis was down then (or during a reload after a Redis
 * restart), every later call awaits the same rejected promise, the limiter fails open for good and
 * the limit never comes back without a restart. Here a failed call reloads the scripts and tries
 * once more, so the limit returns with Redis. Calls still fail fast while Redis is away (the client has no offline
 * queue) and the limiter lets those requests through (fail open, see rate-limit.ts).
 */
export class RecoveringRedisStore extends RedisStore {
  constructor(redis: Redis, prefix: string) {
    super({ prefix, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply> });
  }

  override async increment(key: string): Promise<IncrementResponse> {
    try {
      return await super.increment(key);
    } catch {
      // Once more with freshly loaded scripts; while Redis is away this fails fast again.
      this.reloadScripts();
      return super.increment(key);
    }
  }

  override async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    try {
      return await super.get(key);
    } catch {
      this.reloadScripts();
      return super.get(key);
    }
  }

  private reloadScripts(): void {
    const increment = this.loadIncrementScript();
    const get = this.loadGetScript();
    // Awaited by the next call; a failure here must not become an unhandled rejection.
    increment.catch(() => undefined);
    get.catch(() => undefined);
    this.incrementScriptSha = increment;
    this.getScriptSha = get;
  }
}
