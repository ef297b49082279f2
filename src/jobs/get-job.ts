import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NotFoundError } from '../errors';
import { statusQuery } from '../../workflows/definitions';
import { jobFromExecution, ownerOfExecution, workflowIdFor } from './job-records';
import { recordedProgress, type RecordedProgress } from './recorded-progress';
import type { JobView } from './types';

const QUERY_DEADLINE_MS = 3000;

function withRecordedProgress(view: JobView, progress: RecordedProgress | undefined): JobView {
  if (!progress) return view;
  const totalItems = progress.totalItems ?? view.totalItems;
  const completedItems =
    progress.phase === 'exporting' ? (progress.rows ?? 0) : (totalItems ?? view.completedItems);
  return {
    ...view,
    status: 'Processing',
    phase: progress.phase,
    totalItems,
    completedItems,
    percent: totalItems ? Math.min(100, Math.floor((completedItems / totalItems) * 100)) : null,
    bytes: progress.bytes ?? view.bytes,
  };
}

function isJobView(value: unknown): value is JobView {
  return typeof value === 'object' && value !== null && 'jobID' in value && 'status' in value;
}

/**
 * GET /jobs/{jobID}: the `status` query while the job runs, the workflow's result (or its failure
 * details) once it has ended. Jobs of other API keys are reported as not found.
 */
export async function getJob(client: Client, jobID: string, owner: string): Promise<JobView> {
  const handle = client.workflow.getHandle(workflowIdFor(jobID));
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no job ${jobID}`);
    throw err;
  }
  if (ownerOfExecution(description) !== owner) throw new NotFoundError(`no job ${jobID}`);

  switch (description.status.name) {
    case 'RUNNING':
      try {
        // A query needs a worker; when none answers soon (all down or busy), say what visibility knows.
        return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery));
      } catch {
        // No worker answered (all down or busy): what visibility knows, plus the last checkpoint
        // Temporal recorded, so an on-call engineer still sees how far the job got.
        return withRecordedProgress(
          jobFromExecution(description),
          await recordedProgress(client, description),
        );
      }
    case 'COMPLETED': {
      const result: unknown = await handle.result();
      return isJobView(result) ? result : jobFromExecution(description);
    }
    case 'FAILED':
      try {
        await handle.result();
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
        const view = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
        if (isJobView(view)) return view;
      }
      return jobFromExecution(description);
    default:
      return jobFromExecution(description);
  }
}
