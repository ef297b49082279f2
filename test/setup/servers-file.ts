import path from 'node:path';

/** The shared servers of a test run, written by global setup and read by every test file. */
export interface TestServers {
  readonly runDir: string;
  readonly temporalAddress: string;
  readonly mongoUri: string;
  readonly workflowBundle: string;
  /** The partner accounts' password for this run (SFTP and FTP log in the same system users). */
  readonly partnerPassword: string;
  /** Root-owned folder under /run for the SFTP/FTP servers' files (removed at teardown). */
  readonly serverDir: string;
  readonly sftp: { readonly port: number; readonly chrootBase: string };
  readonly ftp: { readonly port: number; readonly home: string };
  readonly s3: {
    readonly endpoint: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly root: string;
  };
  readonly gcs: { readonly endpoint: string; readonly root: string };
  /** Azurite's Blob service, with one account whose key is made per run. */
  readonly azure: { readonly endpoint: string; readonly account: string; readonly accountKey: string };
}

export const outputDir = path.resolve(__dirname, '..', '..', 'test-output');
export const serversFile = path.join(outputDir, 'servers.json');
