import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { findTool } from './binaries';
import { startProcess, type ManagedProcess } from './processes';

export interface FerretDbServer {
  readonly port: number;
  /** Base URI without a database name. */
  readonly uri: string;
  readonly process: ManagedProcess;
  uriFor(database: string): string;
  stop(): Promise<void>;
}

/** FerretDB (MongoDB wire protocol) on its SQLite backend, telemetry off, on 127.0.0.1:port. */
export async function startFerretDb(options: {
  port: number;
  dataDir: string;
  logFile?: string;
}): Promise<FerretDbServer> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const uri = `mongodb://127.0.0.1:${options.port}`;
  const proc = await startProcess({
    name: 'ferretdb',
    command: findTool('ferretdb'),
    args: [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--state-dir=${dataDir}`,
      `--listen-addr=127.0.0.1:${options.port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
      '--log-format=json',
    ],
    logFile: options.logFile,
    ready: async () => {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
      try {
        await client.db('admin').command({ ping: 1 });
        return true;
      } finally {
        await client.close();
      }
    },
  });
  return {
    port: options.port,
    uri,
    process: proc,
    uriFor: (database) => `${uri}/${database}`,
    stop: () => proc.stop(),
  };
}
