import { ConfigError } from './config';
import { createLogger } from './logger';

/**
 * Runs a process entry point: an error (a bad configuration above all) is logged as one JSON line
 * naming the problem, and the process exits with status 1.
 */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const logger = createLogger(service);
    if (err instanceof ConfigError) {
      logger.fatal({ problems: err.problems }, err.message);
    } else {
      logger.fatal({ err }, err instanceof Error ? err.message : String(err));
    }
    logger.flush();
    setTimeout(() => process.exit(1), 50);
  });
}
