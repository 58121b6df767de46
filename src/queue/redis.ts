/**
 * Redis clients for the production mode. Two kinds, on purpose:
 * - `command` clients fail fast (no offline queue, one retry): an HTTP request must get a 503 in
 *   about a second when Redis is away, never hang.
 * - `blocking` clients (BullMQ workers, queue events) wait and reconnect forever: BullMQ requires
 *   `maxRetriesPerRequest: null` for them, and a worker should ride out a Redis restart.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';

const reconnect = (attempt: number) => Math.min(100 * 2 ** attempt, 2000);

export function commandClient(url: string, logger: Logger, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    commandTimeout: 2000,
    retryStrategy: reconnect,
  });
  watch(client, logger, name);
  return client;
}

/**
 * For BullMQ's Queue: its start-up runs commands before the connection is ready, which a client
 * without an offline queue refuses for good. Requests still fail fast: callers bound every queue
 * call with `withDeadline`.
 */
export function queueClient(url: string, logger: Logger, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: reconnect,
  });
  watch(client, logger, name);
  return client;
}

/** Rejects with `onTimeout()` when `work` has not settled within `ms`. */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function blockingClient(url: string, logger: Logger, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectTimeout: 2000,
    retryStrategy: reconnect,
  });
  watch(client, logger, name);
  return client;
}

/** Logs connection changes once per change, not once per failed retry. */
function watch(client: Redis, logger: Logger, name: string): void {
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.warn({ redis: name, err: err.message }, 'redis unavailable');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ redis: name }, 'redis reconnected');
    down = false;
  });
}

/** PING with a deadline; false instead of throwing or hanging. */
export async function redisAlive(client: Redis, timeoutMs = 500): Promise<boolean> {
  if (client.status !== 'ready') return false;
  try {
    return (await withDeadline(client.ping(), timeoutMs, () => new Error('ping timed out'))) === 'PONG';
  } catch {
    return false;
  }
}

/** Waits up to `ms` for the first connection, so start-up does not race it; never fails. */
export async function firstConnection(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return;
  await withDeadline(new Promise((resolve) => client.once('ready', resolve)), ms, () => new Error('not yet')).catch(() => undefined);
}
