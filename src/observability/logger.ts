import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'svg-ai' },
    // Upload bytes and credentials never reach the logs.
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
  });
}
