import path from 'node:path';
import { startProcess, WORKER_NODE_FLAGS, type ManagedProcess } from '../../src/devstack/processes';
import { testServers } from './servers';

const workerScript = path.resolve(__dirname, '..', '..', 'dist', 'src', 'worker.js');

/**
 * A real worker process (`node dist/src/worker.js`, built by `npm test`) with the given
 * environment; ready once it logs "worker ready". Its output goes to the run's log folder.
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  name = 'worker',
): Promise<ManagedProcess> {
  const logFile = path.join(
    testServers().runDir,
    'logs',
    `${name}-${env.WORKER_HOST_ID ?? 'x'}-${Date.now()}.log`,
  );
  let ready = false;
  const proc = await startProcess({
    name,
    command: process.execPath,
    args: [...WORKER_NODE_FLAGS, workerScript],
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    logFile,
    readyTimeoutMs: 60_000,
    ready: () => Promise.resolve(ready),
    onOutput: (line) => {
      if (line.includes('"worker ready"')) ready = true;
    },
  });
  return proc;
}

const apiScript = path.resolve(__dirname, '..', '..', 'dist', 'src', 'api', 'main.js');

/** A real gateway process (`node dist/src/api/main.js`) on `port`; ready when /healthz answers. */
export async function startApiProcess(
  env: Record<string, string>,
  port: number,
  name = 'api',
): Promise<ManagedProcess> {
  const logFile = path.join(testServers().runDir, 'logs', `${name}-${port}-${Date.now()}.log`);
  return startProcess({
    name,
    command: process.execPath,
    args: [apiScript],
    env: { ...process.env, ...env, PORT: String(port) },
    logFile,
    readyTimeoutMs: 60_000,
    ready: async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
  });
}
