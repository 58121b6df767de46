/**
 * Every setting the service reads from the environment, in one place. Parsed once at start;
 * every bad variable is reported at once, so an operator fixes them in one go.
 */
import os from 'node:os';
import { z } from 'zod';

const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const schema = z.object({
  PORT: int(8080, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_PREFIX: z.string().min(1).default('svgai'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Upload and image limits (imgproxy-like); no request option can raise them.
  MAX_UPLOAD_BYTES: int(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  MAX_MEGAPIXELS: z.coerce.number().positive().max(1000).default(40),
  MAX_SIDE_PX: int(8192, 16, 65535),
  MAX_FRAMES: int(1000, 1, 100000),
  TRACE_MAX_SIDE: int(2048, 64, 8192),
  MAX_SVG_BYTES: int(20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),

  // Work scheduling.
  WORKER_THREADS: int(Math.max(1, os.availableParallelism()), 1, 256),
  QUEUE_MAX_PENDING: int(64, 1, 100000),
  QUEUE_WAIT_MS: int(30000, 100, 600000),
  THREAD_MAX_HEAP_MB: int(1536, 64, 16384),
  DEADLINE_TIER1_MS: int(10000, 100, 600000),
  DEADLINE_TIER2_MS: int(20000, 100, 600000),
  DEADLINE_TIER3_MS: int(45000, 100, 600000),
  TRACE_ATTEMPTS: int(2, 1, 10),
  // Decoded megapixels of all conversions in flight in one process (their memory, their CPU);
  // an image over it alone runs when nothing else does.
  MAX_MEGAPIXELS_IN_FLIGHT: z.coerce.number().positive().max(10000).default(40),
  // Trace threads idle this long are let go (0: never; they stay warm).
  THREAD_IDLE_TIMEOUT_MS: int(0, 0, 24 * 3600 * 1000),
  // A running trace whose caller went away gets this long to stop by itself before its thread is terminated.
  CANCEL_GRACE_MS: int(10000, 0, 600000),

  // Cache.
  CACHE_MAX_BYTES: int(256 * 1024 * 1024, 0, 64 * 1024 * 1024 * 1024),
  CACHE_TTL_SECONDS: int(3600, 1, 30 * 24 * 3600),

  // Stored results for GET /api/results/{id} (re-export without tracing).
  RESULT_TTL_SECONDS: int(3600, 1, 30 * 24 * 3600),
  RESULT_MAX_BYTES: int(256 * 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024 * 1024),

  // Production mode (REDIS_URL set).
  WORKER_CONCURRENCY: int(Math.max(1, os.availableParallelism()), 1, 256),
  WORKER_METRICS_PORT: int(9464, 0, 65535),
  JOB_ATTEMPTS: int(3, 1, 20),
  JOB_TTL_SECONDS: int(3600, 10, 30 * 24 * 3600),
  LOCK_DURATION_MS: int(30000, 1000, 600000),
  // Comma-separated `id:secret` or `id:secret:perMinute`; secrets at least 16 characters.
  API_KEYS: z
    .string()
    .regex(/^[\w.-]+:[^:,\s]{16,}(:\d+)?(,[\w.-]+:[^:,\s]{16,}(:\d+)?)*$/, 'expected id:secret[:perMinute],... with secrets of 16+ characters')
    .optional(),

  // Batches (POST /api/batch).
  BATCH_MAX_FILES: int(50, 1, 10000),
  BATCH_MAX_BYTES: int(64 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),

  // HTTP.
  RATE_LIMIT_PER_MINUTE: int(120, 0, 1_000_000),
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 3600),
  TRUST_PROXY_HOPS: int(0, 0, 10),
  HEADERS_TIMEOUT_MS: int(15000, 1000, 600000),
  REQUEST_TIMEOUT_MS: int(60000, 1000, 3600000),
  KEEP_ALIVE_TIMEOUT_MS: int(10000, 100, 600000),
  SHUTDOWN_GRACE_MS: int(10000, 0, 600000),
  SHUTDOWN_DRAIN_MS: int(0, 0, 600000),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration from `env` (process.env by default); throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(picked[String(i.path[0])])})`),
    );
  }
  const config = { ...parsed.data, ...overrides };
  if (config.QUEUE_WAIT_MS >= config.REQUEST_TIMEOUT_MS) {
    throw new ConfigError([
      `QUEUE_WAIT_MS (${config.QUEUE_WAIT_MS}) must be below REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS})`,
    ]);
  }
  return config;
}

/** Hard per-tier deadlines (ms): a conversion still running after its tier's deadline is terminated. */
export function tierDeadlines(config: Config): Record<1 | 2 | 3, number> {
  return { 1: config.DEADLINE_TIER1_MS, 2: config.DEADLINE_TIER2_MS, 3: config.DEADLINE_TIER3_MS };
}

/** The documented table of variables, used by the README check test. */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];
