/** Batches (POST /api/batch): which job each uploaded file became. Memory here, Redis in production. */
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { AppError, type SerializedError } from '../errors/app-error.js';
import type { ConvertOptions } from '../pipeline/options.js';

export interface BatchItem {
  index: number;
  /** The client's file name, made safe (see safeRelativeName). */
  name: string;
  bytes: number;
  /** Set when the file was accepted; its conversion job (shared with identical uploads). */
  jobId?: string | undefined;
  /** Set when the file was refused before queueing (bad type, too large...). */
  error?: SerializedError | undefined;
}

export interface BatchRecord {
  id: string;
  createdAt: string;
  expiresAt: string;
  options: ConvertOptions;
  items: BatchItem[];
}

export interface BatchStore {
  save(batch: BatchRecord): Promise<void>;
  get(id: string): Promise<BatchRecord | undefined>;
}

export class MemoryBatchStore implements BatchStore {
  private readonly batches: LRUCache<string, BatchRecord>;

  constructor(ttlSeconds: number) {
    this.batches = new LRUCache({ max: 1000, ttl: ttlSeconds * 1000 });
  }

  async save(batch: BatchRecord): Promise<void> {
    this.batches.set(batch.id, batch);
  }

  async get(id: string): Promise<BatchRecord | undefined> {
    return this.batches.get(id);
  }
}

export class RedisBatchStore implements BatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  async save(batch: BatchRecord): Promise<void> {
    await unavailableAs503(this.redis.set(`${this.prefix}:batch:${batch.id}`, JSON.stringify(batch), 'EX', this.ttlSeconds));
  }

  async get(id: string): Promise<BatchRecord | undefined> {
    const text = await unavailableAs503(this.redis.get(`${this.prefix}:batch:${id}`));
    return text ? (JSON.parse(text) as BatchRecord) : undefined;
  }
}

async function unavailableAs503<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (cause) {
    throw new AppError('NOT_READY', 'The batch store (Redis) is unreachable; retry shortly.', { retryAfterSeconds: 5, cause });
  }
}
