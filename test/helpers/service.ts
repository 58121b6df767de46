/** Builds the real app and back end for a test, with configuration overrides. */
import sharp from 'sharp';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { registry } from '../../src/observability/metrics.js';
import { createConverter } from '../../src/server.js';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return loadConfig({}, { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 0, WORKER_THREADS: 2, ...overrides });
}

export function makeService(overrides: Partial<Config> = {}) {
  const config = testConfig(overrides);
  const logger = createLogger('silent');
  const converter = createConverter(config, logger);
  const app = buildApp({ config, converter, logger });
  return { app, config, converter, close: () => converter.close() };
}

/** Sum of a counter's samples (optionally filtered by labels), read from the live registry. */
export async function counterValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A flat two-colour logo made in memory, for tests that need just one good image. */
export async function smallLogo(size = 128, color = '#1a2b6d'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#fff"/><circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="${color}"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
