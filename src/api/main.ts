import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { runMain } from '../run-main';
import { startWebServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const server = await startWebServer({ config, logger });
  const stop = (signal: string): void => {
    logger.info({ signal }, 'gateway stopping');
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

runMain('api', main);
