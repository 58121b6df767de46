/**
 * Every metric name and help string in one place. The names are a contract: the Grafana dashboards
 * and the alert rules in monitoring/ query them. Rename none without changing those in the same commit.
 */
import client from 'prom-client';
import { ENGINE_NAMES } from '../engines/engine.js';
import { ERRORS, type ErrorCode } from '../errors/catalog.js';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'svgai_' });

export const httpDuration = new client.Histogram({
  name: 'svgai_http_request_duration_seconds',
  help: 'HTTP request duration by method, route pattern and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60],
  registers: [registry],
});

export const conversions = new client.Counter({
  name: 'svgai_conversions_total',
  help: 'Conversions traced, by tier, engine and outcome (ok, below_target, failed, client_closed).',
  labelNames: ['tier', 'engine', 'outcome'] as const,
  registers: [registry],
});

export const conversionDuration = new client.Histogram({
  name: 'svgai_conversion_duration_seconds',
  help: 'Time to convert one image (decode to scored SVG), by tier.',
  labelNames: ['tier'] as const,
  buckets: [0.05, 0.1, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10, 15, 30],
  registers: [registry],
});

export const ssimHistogram = new client.Histogram({
  name: 'svgai_ssim',
  help: 'Measured SSIM of returned SVGs, by tier.',
  labelNames: ['tier'] as const,
  buckets: [0.5, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95, 0.97, 0.98, 0.99, 1],
  registers: [registry],
});

export const svgBytes = new client.Histogram({
  name: 'svgai_svg_bytes',
  help: 'Size of returned SVGs in bytes, by tier.',
  labelNames: ['tier'] as const,
  buckets: [1e3, 5e3, 1e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7],
  registers: [registry],
});

export const queueJobs = new client.Gauge({
  name: 'svgai_queue_jobs',
  help: 'Conversion jobs by state (waiting, active, delayed, failed).',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const cacheRequests = new client.Counter({
  name: 'svgai_cache_requests_total',
  help: 'Result cache lookups by result (hit, miss, error).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const rateLimited = new client.Counter({
  name: 'svgai_rate_limited_total',
  help: 'Requests refused by the per-client rate limit.',
  registers: [registry],
});

export const rejected = new client.Counter({
  name: 'svgai_rejected_total',
  help: 'Requests refused with a client error, by error code.',
  labelNames: ['code'] as const,
  registers: [registry],
});

export const pixelsInFlight = new client.Gauge({
  name: 'svgai_pixels_in_flight',
  help: 'Decoded pixels of the conversions admitted and not yet finished in this process (bounded by MAX_MEGAPIXELS_IN_FLIGHT).',
  registers: [registry],
});

export const bytesInFlight = new client.Gauge({
  name: 'svgai_bytes_in_flight',
  help: 'Decoded RGBA bytes of the conversions admitted and not yet finished in this process (4 per pixel in flight).',
  registers: [registry],
});

/** Sets both in-flight gauges from the pool's pixel count. */
export function recordInFlight(pixels: number): void {
  pixelsInFlight.set(pixels);
  bytesInFlight.set(4 * pixels);
}

/** Records a finished conversion wherever it ran (API process in embedded mode, worker process with Redis). */
export function recordConversion(r: { tier: number; engine: string; ssim: number; targetMet: boolean; durationMs: number; bytes: number }): void {
  const tier = String(r.tier);
  conversions.inc({ tier, engine: r.engine, outcome: r.targetMet ? 'ok' : 'below_target' });
  conversionDuration.observe({ tier }, r.durationMs / 1000);
  ssimHistogram.observe({ tier }, r.ssim);
  svgBytes.observe({ tier }, r.bytes);
}

export function recordConversionFailure(): void {
  conversions.inc({ tier: 'unknown', engine: 'none', outcome: 'failed' });
}

/** A conversion whose every caller hung up before it finished: not a failure of the service. */
export function recordClientClosed(): void {
  conversions.inc({ tier: 'unknown', engine: 'none', outcome: 'client_closed' });
}

/**
 * Every known label value starts at zero, so dashboards and alerts read 0, not "no data", before
 * the first event (a rate() over a series that appears with its first event also misses that event).
 */
function initialiseKnownSeries(): void {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    if (ERRORS[code].status < 500 && code !== 'CLIENT_CLOSED') rejected.inc({ code }, 0);
  }
  for (const tier of ['1', '2', '3']) {
    for (const engine of ENGINE_NAMES) for (const outcome of ['ok', 'below_target']) conversions.inc({ tier, engine, outcome }, 0);
  }
  for (const outcome of ['failed', 'client_closed']) conversions.inc({ tier: 'unknown', engine: 'none', outcome }, 0);
  for (const result of ['hit', 'miss', 'error']) cacheRequests.inc({ result }, 0);
  for (const state of ['waiting', 'active', 'delayed', 'failed']) queueJobs.set({ state }, 0);
  rateLimited.inc(0);
  recordInFlight(0);
}
initialiseKnownSeries();
