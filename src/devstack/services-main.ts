import { createLogger } from '../logger';
import { runMain } from '../run-main';
import { devServicesOptionsFromEnv, startDevServices } from './services';

/** npm run services: Temporal dev server + FerretDB in the foreground; Ctrl-C stops both. */
async function main(): Promise<void> {
  const logger = createLogger('services');
  const options = devServicesOptionsFromEnv();
  const services = await startDevServices(options);
  logger.info(
    {
      temporal: services.temporal.address,
      temporalUi: services.temporal.uiUrl,
      mongodb: services.ferretdb.uriFor('contact_exports'),
      data: options.dataDir,
    },
    'services ready (Ctrl-C stops them)',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping services');
    services.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (const p of [services.temporal.process, services.ferretdb.process]) {
    p.child.once('exit', (code) => {
      if (!stopping) {
        logger.error({ service: p.name, code, log: p.logFile }, 'a service exited unexpectedly');
        stop('child-exit');
      }
    });
  }
}

runMain('services', main);
