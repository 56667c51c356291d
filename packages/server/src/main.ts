import { ConfigError, loadConfig } from './config/env.ts';
import { createLogger } from './platform/logger.ts';
import { startServer } from './server.ts';

let config;
try {
  config = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(78); // EX_CONFIG
}
const logger = createLogger(config.logLevel);

try {
  const running = await startServer(config, logger);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    // stop() keeps to SHUTDOWN_TIMEOUT_MS by itself; this is the belt to its braces, should something it
    // waits on ignore its bound.
    setTimeout(() => {
      logger.error('shutdown overran its timeout; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2_000).unref();
    running.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
} catch (err) {
  logger.fatal({ err }, 'could not start');
  process.exit(1);
}
