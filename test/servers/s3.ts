import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { findTool } from '../../src/devstack/binaries';
import { freePort, portOpen, startProcess, type ManagedProcess } from '../../src/devstack/processes';

export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly root: string;
  readonly process: ManagedProcess;
  /** A bucket is a folder under the gateway's root. */
  createBucket(name: string): void;
  stop(): Promise<void>;
}

/** versitygw (an S3 gateway that verifies SigV4) on a posix folder, on 127.0.0.1. */
export async function startS3Server(options: {
  root: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The region requests must be signed for (the SigV4 credential scope). */
  region?: string;
  port?: number;
  logFile: string;
}): Promise<S3Server> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.root, { recursive: true });
  const proc = await startProcess({
    name: 'versitygw',
    command: findTool('versitygw'),
    args: [
      '--access',
      options.accessKeyId,
      '--secret',
      options.secretAccessKey,
      '--region',
      options.region ?? 'us-west-2',
      '--port',
      `127.0.0.1:${port}`,
      'posix',
      options.root,
    ],
    logFile: options.logFile,
    ready: () => portOpen(port),
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    root: options.root,
    process: proc,
    createBucket: (name) => mkdirSync(path.join(options.root, name), { recursive: true }),
    stop: () => proc.stop(),
  };
}
