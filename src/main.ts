/** `npm start` / `svg-ai serve` (the API) and `svg-ai worker`: configuration, role, clean stop on SIGTERM/SIGINT. */
import { loadConfigOrExit } from './config/load-or-exit.js';
import { createLogger, type Logger } from './observability/logger.js';
import { startServer } from './server.js';
import { startWorker } from './worker.js';

export type Role = 'api' | 'worker';

function stopOnSignals(logger: Logger, shutdown: () => Promise<void>): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

export async function main(role: Role = 'api'): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  if (role === 'worker' && !config.REDIS_URL) {
    console.error('svg-ai worker needs REDIS_URL (e.g. redis://127.0.0.1:6379): workers consume the production queue.');
    process.exit(2);
  }
  const running = role === 'api' ? await startServer(config, logger) : await startWorker(config, logger);
  stopOnSignals(logger, running.shutdown);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main('api');
}
