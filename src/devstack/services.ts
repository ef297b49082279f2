import path from 'node:path';
import { startFerretDb, type FerretDbServer } from './ferretdb';
import { portOpen } from './processes';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-server';

export interface DevServices {
  readonly temporal: TemporalDevServer;
  readonly ferretdb: FerretDbServer;
  stop(): Promise<void>;
}

export interface DevServicesOptions {
  readonly dataDir: string;
  readonly temporalPort: number;
  readonly temporalUiPort: number;
  readonly mongoPort: number;
  readonly codecEndpoint?: string;
}

export function devServicesOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DevServicesOptions {
  return {
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    temporalPort: Number(env.TEMPORAL_PORT ?? 7233),
    temporalUiPort: Number(env.TEMPORAL_UI_PORT ?? 8233),
    mongoPort: Number(env.MONGODB_PORT ?? 27017),
    codecEndpoint: env.TEMPORAL_UI_CODEC_ENDPOINT,
  };
}

/** The embedded defaults: Temporal dev server (state in .data/) and FerretDB (data in .data/). */
export async function startDevServices(options: DevServicesOptions): Promise<DevServices> {
  for (const [name, port] of [
    ['Temporal', options.temporalPort],
    ['Temporal Web UI', options.temporalUiPort],
    ['MongoDB-wire', options.mongoPort],
  ] as const) {
    if (await portOpen(port)) {
      throw new Error(
        `port ${port} (${name}) is already in use: is \`npm run services\` or \`npm run dev\` already running?`,
      );
    }
  }
  const logs = path.join(options.dataDir, 'logs');
  const [temporal, ferretdb] = await Promise.all([
    startTemporalDevServer({
      port: options.temporalPort,
      uiPort: options.temporalUiPort,
      dbFile: path.join(options.dataDir, 'temporal', 'temporal.db'),
      logFile: path.join(logs, 'temporal.log'),
      codecEndpoint: options.codecEndpoint,
      retentionHours: 60 * 24,
    }),
    startFerretDb({
      port: options.mongoPort,
      dataDir: path.join(options.dataDir, 'ferretdb'),
      logFile: path.join(logs, 'ferretdb.log'),
    }),
  ]);
  return {
    temporal,
    ferretdb,
    stop: async () => {
      await Promise.all([temporal.stop(), ferretdb.stop()]);
    },
  };
}
