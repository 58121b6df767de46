/** Configuration: defaults, every bad variable reported at once, and the README documents each one. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../src/config/config.js';

describe('configuration from the environment', () => {
  it('has working defaults (embedded mode on port 8080)', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.RATE_LIMIT_PER_MINUTE).toBeGreaterThanOrEqual(50);
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MAX_MEGAPIXELS: '-1', REDIS_URL: 'http://nope', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['PORT', 'MAX_MEGAPIXELS', 'REDIS_URL', 'LOG_LEVEL']) expect(problems).toContain(key);
  });

  it('refuses a queue wait longer than the request timeout', () => {
    expect(() => loadConfig({ QUEUE_WAIT_MS: '70000', REQUEST_TIMEOUT_MS: '60000' })).toThrow(ConfigError);
  });

  it('is documented in the README, one table row per variable', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const key of CONFIG_KEYS) expect(readme, key).toMatch(new RegExp(`^\\| \`${key}\` \\|`, 'm'));
  });
});
