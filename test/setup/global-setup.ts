import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startFerretDb } from '../../src/devstack/ferretdb';
import { freePort, type ManagedProcess } from '../../src/devstack/processes';
import { startTemporalDevServer } from '../../src/devstack/temporal-server';
import { failureConverterPath } from '../../src/temporal/connect';
import { serverBaseDir } from '../servers/system-users';
import { startFtpServer } from '../servers/vsftpd';
import { startAzureServer } from '../servers/azurite';
import { startGcsServer } from '../servers/gcs';
import { startS3Server } from '../servers/s3';
import { startSshServer } from '../servers/sshd';
import { outputDir, serversFile, type TestServers } from './servers-file';

declare global {
  // Handles for global teardown (same process as global setup).
  var __testProcesses: ManagedProcess[] | undefined;
}

/**
 * Starts the real servers every test file shares, on free loopback ports: Temporal, FerretDB,
 * OpenSSH sshd, an FTP server, an S3 gateway and a GCS emulator. Tests that need a server to be
 * down, restarted or configured differently start their own.
 */
const pidsFile = path.join(outputDir, 'server-pids.json');

/** Servers left by a run that was killed before its teardown (SIGKILL, a CI timeout). */
function killLeftovers(): void {
  if (!existsSync(pidsFile)) return;
  for (const pid of JSON.parse(readFileSync(pidsFile, 'utf8')) as number[]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(pidsFile, { force: true });
}

/** Stops the servers if Jest itself is interrupted, so nothing outlives the run. */
function stopOnSignals(processes: ManagedProcess[]): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const p of processes) p.child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  killLeftovers();
  const runDir = path.join(outputDir, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const logs = path.join(runDir, 'logs');
  const [temporalPort, mongoPort] = await Promise.all([freePort(), freePort()]);
  const workflowBundle = path.join(runDir, 'workflow-bundle.js');
  const serverDir = serverBaseDir(`run-${process.pid}`);
  const partnerPassword = randomBytes(12).toString('base64url');
  const s3Keys = {
    accessKeyId: `TEST${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(24).toString('base64url'),
  };

  const azureKeys = { account: 'partnerstore', accountKey: randomBytes(64).toString('base64') };

  // Servers that started are stopped when another fails: Jest runs no teardown after a failed
  // setup, and a leftover sshd or vsftpd would hold the shared system accounts' files.
  const running: ManagedProcess[] = [];
  const track = <T extends { readonly process: ManagedProcess }>(starting: Promise<T>): Promise<T> =>
    starting.then((server) => {
      running.push(server.process);
      return server;
    });
  const starts = [
    track(startTemporalDevServer({ port: temporalPort, logFile: path.join(logs, 'temporal.log') })),
    track(
      startFerretDb({
        port: mongoPort,
        dataDir: path.join(runDir, 'ferretdb'),
        logFile: path.join(logs, 'ferretdb.log'),
      }),
    ),
    track(
      startSshServer({
        dir: path.join(serverDir, 'sshd'),
        password: partnerPassword,
        logFile: path.join(logs, 'sshd.log'),
      }),
    ),
    track(
      startFtpServer({
        dir: path.join(serverDir, 'vsftpd'),
        password: partnerPassword,
        logFile: path.join(logs, 'vsftpd.log'),
      }),
    ),
    track(startS3Server({ root: path.join(runDir, 's3'), ...s3Keys, logFile: path.join(logs, 's3.log') })),
    track(
      startGcsServer({
        root: path.join(runDir, 'gcs'),
        buckets: ['partner-bucket'],
        logFile: path.join(logs, 'gcs.log'),
      }),
    ),
    track(
      startAzureServer({
        root: path.join(runDir, 'azure'),
        ...azureKeys,
        logFile: path.join(logs, 'azure.log'),
      }),
    ),
  ] as const;
  // Bundle the workflows once from source, so every test worker starts in a second.
  const bundling = bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath,
    logger: new DefaultLogger('WARN'),
  }).then(({ code }) => writeFileSync(workflowBundle, code));
  try {
    await Promise.all([...starts, bundling]);
  } catch (err) {
    await Promise.allSettled([...starts, bundling]);
    await Promise.all(running.map((proc) => proc.stop().catch(() => undefined)));
    throw err;
  }
  const [temporal, ferretdb, sftp, ftp, s3, gcs, azure] = await Promise.all(starts);
  globalThis.__testProcesses = [
    temporal.process,
    ferretdb.process,
    sftp.process,
    ftp.process,
    s3.process,
    gcs.process,
    azure.process,
  ];
  writeFileSync(pidsFile, JSON.stringify(globalThis.__testProcesses.map((p) => p.child.pid).filter(Boolean)));
  stopOnSignals(globalThis.__testProcesses);
  const servers: TestServers = {
    runDir,
    temporalAddress: temporal.address,
    mongoUri: ferretdb.uri,
    workflowBundle,
    partnerPassword,
    serverDir,
    sftp: { port: sftp.port, chrootBase: sftp.chrootBase },
    ftp: { port: ftp.port, home: ftp.home },
    s3: { endpoint: s3.endpoint, ...s3Keys, root: s3.root },
    gcs: { endpoint: gcs.endpoint, root: gcs.root },
    azure: { endpoint: azure.endpoint, ...azureKeys },
  };
  writeFileSync(serversFile, JSON.stringify(servers, null, 2));
  process.stderr.write(
    `\ntest servers ready in ${Date.now() - started} ms: Temporal ${temporal.address}, FerretDB ${ferretdb.uri}, sshd :${sftp.port}, FTP :${ftp.port}, S3 ${s3.endpoint}, GCS ${gcs.endpoint}, Azure ${azure.endpoint}\n`,
  );
}
