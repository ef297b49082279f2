import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from '../logger';
import { workflowIdFor } from './job-records';

const DESCRIBE_DEADLINE_MS = 10_000;

/**
 * A staging file's job: `{jobID}.part`, `{jobID}.p{k}.part`, and a split export's `….f{n}`
 * (src/jobs/naming.ts, src/export/staging-file.ts). Job IDs have no dots.
 */
const stagingName = /^([A-Za-z0-9-]{1,100})\.(?:p\d+\.)?part(?:\.f\d+)?$/;

export interface SweepOptions {
  readonly stagingDir: string;
  /** A file touched more recently than this is left alone, whatever its job's state. */
  readonly minAgeMs: number;
  /** Whether the job's workflow still runs (true keeps its files). */
  readonly isJobOpen: (jobID: string) => Promise<boolean>;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Stops the sweep between jobs (a worker shutting down does not wait for the whole folder). */
  readonly signal?: AbortSignal;
}

export interface SweepResult {
  readonly removed: string[];
  readonly bytes: number;
}

/**
 * Removes the staging files of jobs that have ended. A job's files normally go when it is
 * delivered, cancelled or fails for good; these are what is left when they do not: a host that
 * died mid-export while its job finished on another one, a partition whose retries ran out, a
 * removal that failed. A job still running keeps its files (this host may resume it), and so does
 * a file touched within `minAgeMs`; an error asking Temporal keeps the job's files for next time.
 */
export async function sweepStaging(options: SweepOptions): Promise<SweepResult> {
  const now = options.now?.() ?? Date.now();
  const entries = await fs.readdir(options.stagingDir, { withFileTypes: true }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  const byJob = new Map<string, { file: string; bytes: number; mtimeMs: number }[]>();
  for (const entry of entries) {
    const jobID = entry.isFile() ? stagingName.exec(entry.name)?.[1] : undefined;
    if (!jobID) continue;
    const file = path.join(options.stagingDir, entry.name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) continue;
    byJob.set(jobID, [...(byJob.get(jobID) ?? []), { file, bytes: stat.size, mtimeMs: stat.mtimeMs }]);
  }
  const removed: string[] = [];
  let bytes = 0;
  for (const [jobID, files] of byJob) {
    if (options.signal?.aborted) break;
    if (files.some((f) => now - f.mtimeMs < options.minAgeMs)) continue;
    let open: boolean;
    try {
      open = await options.isJobOpen(jobID);
    } catch (err) {
      options.logger?.warn(
        { err, jobID },
        'staging sweep: could not ask Temporal about the job; kept its files',
      );
      continue;
    }
    if (open) continue;
    for (const f of files) {
      try {
        await fs.rm(f.file, { force: true });
        removed.push(f.file);
        bytes += f.bytes;
      } catch (err) {
        options.logger?.warn({ err, file: f.file }, 'staging sweep: could not remove a file');
      }
    }
  }
  if (removed.length > 0)
    options.logger?.info({ files: removed.length, bytes }, 'staging sweep removed the files of ended jobs');
  return { removed, bytes };
}

/** A job is open while its workflow runs; a job Temporal does not know (any more) is not. */
export function jobOpenInTemporal(client: Client): (jobID: string) => Promise<boolean> {
  return async (jobID) => {
    try {
      // A bounded call: a busy or unreachable server fails this job's check, not the sweep forever.
      const description = await client.connection.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () =>
        client.workflow.getHandle(workflowIdFor(jobID)).describe(),
      );
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}
