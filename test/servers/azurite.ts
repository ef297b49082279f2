import { mkdirSync } from 'node:fs';
import { freePort, startProcess, type ManagedProcess } from '../../src/devstack/processes';

export interface AzureServer {
  /** The Blob service; the account follows as the first path segment (AZURE_BLOB_ENDPOINT). */
  readonly endpoint: string;
  readonly account: string;
  readonly accountKey: string;
  readonly root: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Azurite's Blob service (npm `azurite`, Microsoft's Azure Storage emulator) on 127.0.0.1, with
 * one account whose key is made for this run. Telemetry off: it must not call out.
 */
export async function startAzureServer(options: {
  root: string;
  account: string;
  accountKey: string;
  logFile: string;
}): Promise<AzureServer> {
  const port = await freePort();
  mkdirSync(options.root, { recursive: true });
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: 'azurite-blob',
    command: process.execPath,
    args: [
      require.resolve('azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      options.root,
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--silent',
    ],
    env: { ...process.env, AZURITE_ACCOUNTS: `${options.account}:${options.accountKey}` },
    logFile: options.logFile,
    // Any HTTP answer means it listens (an unsigned request is refused with 403).
    ready: async () => (await fetch(`${endpoint}/${options.account}?comp=list`)).status > 0,
  });
  return {
    endpoint,
    account: options.account,
    accountKey: options.accountKey,
    root: options.root,
    process: proc,
    stop: () => proc.stop(),
  };
}
