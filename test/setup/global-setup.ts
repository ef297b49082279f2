import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startFerretDb } from '../../src/devstack/ferretdb';
import { freePort, type ManagedProcess } from '../../src/devstack/processes';
import { startTemporalDevServer } from '../../src/devstack/temporal-server';
import { outputDir, serversFile, type TestServers } from './servers-file';

declare global {
  // Handles for global teardown (same process as global setup).
  var __testProcesses: ManagedProcess[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const runDir = path.join(outputDir, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const [temporalPort, mongoPort] = await Promise.all([freePort(), freePort()]);
  const workflowBundle = path.join(runDir, 'workflow-bundle.js');
  const [temporal, ferretdb] = await Promise.all([
    startTemporalDevServer({ port: temporalPort, logFile: path.join(runDir, 'logs', 'temporal.log') }),
    startFerretDb({
      port: mongoPort,
      dataDir: path.join(runDir, 'ferretdb'),
      logFile: path.join(runDir, 'logs', 'ferretdb.log'),
    }),
    // Bundle the workflows once from source, so every test worker starts in a second.
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('WARN'),
    }).then(({ code }) => writeFileSync(workflowBundle, code)),
  ]);
  globalThis.__testProcesses = [temporal.process, ferretdb.process];
  const servers: TestServers = {
    runDir,
    temporalAddress: temporal.address,
    mongoUri: ferretdb.uri,
    workflowBundle,
  };
  writeFileSync(serversFile, JSON.stringify(servers, null, 2));
  process.stderr.write(
    `\ntest servers ready in ${Date.now() - started} ms: Temporal ${temporal.address}, FerretDB ${ferretdb.uri}\n`,
  );
}
