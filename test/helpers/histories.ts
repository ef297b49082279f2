import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findTool } from '../../src/devstack/binaries';
import type { Client } from '@temporalio/client';
import { testServers } from './servers';

/** Where recorded workflow histories live; `test/unit/replay.test.ts` replays every one. */
export const historiesDir = path.resolve(__dirname, '..', 'histories');

export { REPLAY_ENCRYPTION_KEYS } from './servers';

/**
 * With RECORD_HISTORIES=<label> in the environment, saves the job's history as
 * `test/histories/<label>-<name>.json` in the protobuf JSON of `temporal workflow show -o json`
 * (what the Web UI's "Download" and the CLI give an operator). A no-op otherwise.
 */
export async function recordHistory(client: Client, jobID: string, name: string): Promise<void> {
  await recordWorkflowHistory(client, `contactexport-${jobID}`, name);
}

/** The same for any workflow: a schedule's run (`scheduledExportWorkflow`), for one. */
export async function recordWorkflowHistory(client: Client, workflowId: string, name: string): Promise<void> {
  const label = process.env.RECORD_HISTORIES;
  if (!label) return;
  // The whole history: the job's status can be final a moment before its workflow closes.
  await client.workflow
    .getHandle(workflowId)
    .result()
    .catch(() => undefined);
  const json = execFileSync(
    findTool('temporal'),
    ['workflow', 'show', '--address', testServers().temporalAddress, '-w', workflowId, '-o', 'json'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(path.join(historiesDir, `${label}-${name}.json`), json);
}
