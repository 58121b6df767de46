import { ConfigError, loadConfig, type Config } from './config.js';

/** For entry points: the configuration, or every problem printed and exit status 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
