/** Serving: the composition of config, pool, cache and app; timeouts; graceful shutdown. */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import type { Lifecycle } from './http/routes/health.js';
import type { Logger } from './observability/logger.js';
import type { Converter } from './queue/converter.js';
import { LocalConverter } from './queue/local-converter.js';
import { RedisConverter } from './queue/redis-converter.js';
import { TracePool } from './queue/thread-pool.js';
import { RedisBatchStore } from './store/batch-store.js';
import { RecoveringRedisStore } from './store/redis-stores.js';
import { MemoryResultCache } from './store/result-cache.js';
import { RedisResultStore } from './store/result-store.js';
import { closeExportPool } from './export/export-pool.js';

export interface RunningServer {
  server: Server;
  port: number;
  converter: Converter;
  lifecycle: Lifecycle;
  /** Stops taking work, lets in-flight requests finish within the grace period, then closes. */
  shutdown(): Promise<void>;
}

/** REDIS_URL selects the mode: BullMQ workers on Redis, or the embedded in-process queue. */
export function createConverter(config: Config, logger: Logger): Converter {
  if (config.REDIS_URL) return new RedisConverter(config, logger);
  return new LocalConverter(
    new TracePool(config),
    new MemoryResultCache(config.CACHE_MAX_BYTES, config.CACHE_TTL_SECONDS),
    config.JOB_TTL_SECONDS,
  );
}

export async function startServer(config: Config, logger: Logger, converter = createConverter(config, logger)): Promise<RunningServer> {
  const lifecycle: Lifecycle = { shuttingDown: false };
  // Redis may be down at start: the API serves anyway (ready fails, conversions get 503) and recovers.
  if (converter instanceof RedisConverter) await converter.connected(2000);
  // Rate-limit counts are shared by every API instance through Redis, on the fail-fast client.
  const rateLimitStore = converter instanceof RedisConverter ? new RecoveringRedisStore(converter.redis, `${config.REDIS_PREFIX}:rl:`) : undefined;
  const batches = converter instanceof RedisConverter ? new RedisBatchStore(converter.redis, config.REDIS_PREFIX, config.JOB_TTL_SECONDS) : undefined;
  const results = converter instanceof RedisConverter ? new RedisResultStore(converter.redis, config.REDIS_PREFIX, config.RESULT_TTL_SECONDS) : undefined;
  const app = buildApp({ config, converter, logger, lifecycle, rateLimitStore, batches, results });
  const server = http.createServer(
    {
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
      // Node checks the two timeouts above only this often (30 s by default): a slowloris client
      // would otherwise hold a socket far past HEADERS_TIMEOUT_MS.
      connectionsCheckingInterval: Math.min(1000, config.HEADERS_TIMEOUT_MS),
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, mode: converter.mode, threads: config.WORKER_THREADS }, 'svg-ai listening');

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      lifecycle.shuttingDown = true;
      logger.info({ graceMs: config.SHUTDOWN_GRACE_MS, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down');
      // Keep listening while readiness probes see 503 and the load balancer stops sending work here.
      if (config.SHUTDOWN_DRAIN_MS > 0) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_MS));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.SHUTDOWN_GRACE_MS).unref());
      if ((await Promise.race([closed, grace])) === 'timeout') {
        logger.warn('grace period over: closing remaining connections');
        server.closeAllConnections();
      }
      await converter.close();
      await closeExportPool();
      logger.info('stopped');
    })());
  return { server, port, converter, lifecycle, shutdown };
}
