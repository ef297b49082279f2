import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { createMetrics } from '../metrics';
import { createInternalStorage } from '../storage/create';
import { findApiKeyOwner } from '../store/api-keys';
import { connectContactStore, ensureIndexes, type ContactStore } from '../store/mongo';
import { createCallTracker } from '../temporal/call-tracker';
import { connectClient, retryUntil } from '../temporal/connect';
import { anyOf, configuredKeysVerifier } from './auth';
import { createApp } from './app';
import type { ApiDeps } from './deps';

export interface WebServer {
  readonly url: string;
  readonly port: number;
  readonly deps: ApiDeps;
  stop(): Promise<void>;
}

export interface WebServerOptions {
  readonly config: Config;
  readonly logger?: Logger;
  readonly store?: ContactStore;
  readonly client?: Client;
  /** Listen on this port instead of config.port (tests pass 0). */
  readonly port?: number;
}

/** Connects to Temporal and MongoDB and serves the API on 127.0.0.1 (or HOST). */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger('api', config.logLevel);
  const store = options.store ?? (await retryUntil('MongoDB', () => connectContactStore(config.mongodbUri)));
  await ensureIndexes(store.db);
  const calls = createCallTracker();
  const client = options.client ?? (await connectClient(config, undefined, calls));
  if (config.apiKeys.length === 0) logger.warn('API_KEYS is empty: only keys stored in MongoDB are accepted');
  if (config.usingDevelopmentKey)
    logger.warn('ENCRYPTION_KEYS is not set: using the public development key (refused in production)');

  const deps: ApiDeps = {
    config,
    client,
    db: store.db,
    storage: createInternalStorage(config),
    metrics: createMetrics('api'),
    verifyApiKey: anyOf([configuredKeysVerifier(config.apiKeys), (key) => findApiKeyOwner(store.db, key)]),
    logger,
  };
  const app = createApp(deps);
  const { host } = config;
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? config.port, host, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'gateway listening');

  return {
    url,
    port,
    deps,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (!options.client) {
        // A request whose client went away still runs: its Temporal call (and retries), or the
        // MongoDB lookups before it. Wait for those calls and a short quiet spell.
        if (!(await calls.idle(15_000, 250)))
          logger.warn({ pending: calls.pending() }, 'closing with Temporal calls in flight');
        await client.connection.close();
      }
      if (!options.store) await store.close();
    },
  };
}
