import type { Client } from '@temporalio/client';
import { ConflictError } from '../errors';
import { getJob } from './get-job';
import { workflowIdFor } from './job-records';
import type { JobView } from './types';

/**
 * Asks a running job to stop: the workflow removes its staging and partial files and ends
 * Cancelled. An ended job is a ConflictError, an unknown one (or another owner's) a NotFoundError.
 */
export async function cancelJob(client: Client, jobID: string, owner?: string): Promise<JobView> {
  const job = await getJob(client, jobID, owner);
  if (job.status !== 'Pending' && job.status !== 'Processing')
    throw new ConflictError(`job ${job.jobID} has already ended (${job.status}); nothing to cancel`);
  await client.workflow.getHandle(workflowIdFor(job.jobID)).cancel();
  return job;
}
