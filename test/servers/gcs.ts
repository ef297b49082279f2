import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { findTool } from '../../src/devstack/binaries';
import { freePort, startProcess, type ManagedProcess } from '../../src/devstack/processes';

export interface GcsServer {
  readonly endpoint: string;
  readonly port: number;
  readonly root: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** fake-gcs-server (the GCS JSON and upload APIs) over HTTP on 127.0.0.1; buckets are folders. */
export async function startGcsServer(options: {
  root: string;
  buckets: string[];
  port?: number;
  logFile: string;
}): Promise<GcsServer> {
  const port = options.port ?? (await freePort());
  for (const bucket of options.buckets) mkdirSync(path.join(options.root, bucket), { recursive: true });
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: 'fake-gcs-server',
    command: findTool('fake-gcs-server'),
    args: [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'filesystem',
      '-filesystem-root',
      options.root,
      '-public-host',
      `127.0.0.1:${port}`,
      '-external-url',
      endpoint,
      '-log-level',
      'warn',
    ],
    logFile: options.logFile,
    ready: async () => (await fetch(`${endpoint}/storage/v1/b`)).ok,
  });
  return { endpoint, port, root: options.root, process: proc, stop: () => proc.stop() };
}
