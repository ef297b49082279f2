import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { outputDir, serversFile, type TestServers } from './servers-file';

export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.__testProcesses ?? []).map((p) => p.stop(5000)));
  rmSync(path.join(outputDir, 'server-pids.json'), { force: true });
  try {
    const servers = JSON.parse(readFileSync(serversFile, 'utf8')) as TestServers;
    rmSync(servers.serverDir, { recursive: true, force: true });
  } catch {
    // Nothing to clean.
  }
}
