import path from 'node:path';

/** The shared servers of a test run, written by global setup and read by every test file. */
export interface TestServers {
  readonly runDir: string;
  readonly temporalAddress: string;
  readonly mongoUri: string;
  readonly workflowBundle: string;
}

export const outputDir = path.resolve(__dirname, '..', '..', 'test-output');
export const serversFile = path.join(outputDir, 'servers.json');
