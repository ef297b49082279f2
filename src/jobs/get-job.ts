import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NotFoundError } from '../errors';
import { statusQuery } from '../../workflows/definitions';
import { jobFromExecution, ownerOfExecution, workflowIdFor } from './job-records';
import { liveProgress, withLiveProgress } from './live-progress';
import type { JobView } from './types';

const QUERY_DEADLINE_MS = 3000;

function isJobView(value: unknown): value is JobView {
  return typeof value === 'object' && value !== null && 'jobID' in value && 'status' in value;
}

/**
 * A running job: the workflow's state from the `status` query (phase, totals, finished partitions)
 * with the live numbers its activities heartbeat. When no worker answers the query in time (all
 * down or busy), what visibility knows, with the same live numbers: an on-call engineer still sees
 * how far the job got.
 */
export async function runningJobView(
  client: Client,
  description: WorkflowExecutionDescription,
  deadlineMs = QUERY_DEADLINE_MS,
): Promise<JobView> {
  const handle = client.workflow.getHandle(description.workflowId, description.runId);
  const [queried, live] = await Promise.all([
    client
      .withDeadline(Date.now() + deadlineMs, () => handle.query(statusQuery))
      .catch(() => jobFromExecution(description)),
    liveProgress(client, description),
  ]);
  return withLiveProgress({ ...queried, queuePosition: queried.queuePosition ?? null }, live);
}

/**
 * GET /jobs/{jobID}: the `status` query and live progress while the job runs, the workflow's
 * result (or its failure details) once it has ended. With an `owner`, jobs of other API keys are
 * reported as not found; without one (the typed client, an operator's tool), any job is found.
 */
export async function getJob(client: Client, jobID: string, owner?: string): Promise<JobView> {
  const handle = client.workflow.getHandle(workflowIdFor(jobID));
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no job ${jobID}`);
    throw err;
  }
  if (owner !== undefined && ownerOfExecution(description) !== owner)
    throw new NotFoundError(`no job ${jobID}`);

  return withCurrentFields(await endedOrRunningView(client, handle, description));
}

/** Views stored by older workflow code lack the fields added since: they show their defaults. */
function withCurrentFields(view: JobView): JobView {
  const stored = view as Partial<JobView>;
  return {
    ...view,
    window: stored.window ?? null,
    scheduleID: stored.scheduleID ?? null,
    callback: stored.callback ?? null,
    files: stored.files ?? null,
    manifest: stored.manifest ?? null,
  };
}

async function endedOrRunningView(
  client: Client,
  handle: ReturnType<Client['workflow']['getHandle']>,
  description: WorkflowExecutionDescription,
): Promise<JobView> {
  switch (description.status.name) {
    case 'RUNNING':
      return runningJobView(client, description);
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
