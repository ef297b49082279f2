import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { contactExportWorkflow } from '../../workflows/contactExport';
import { publicDestination } from '../../workflows/public-destination';
import { DestinationType, ExportName, ExportOwner, ExportStatus } from '../../workflows/search-attributes';
import { workflowIdFor, type JobMemo } from './job-records';
import { defaultJobName } from './naming';
import type { ExportJobInput, ExportRequest, ExportTuning } from './types';

export interface StartedJob {
  readonly jobID: string;
  readonly jobName: string;
}

export function tuningFrom(config: Config): ExportTuning {
  return {
    heartbeatTimeoutMs: config.exportHeartbeatTimeoutMs,
    hostScheduleToStartTimeoutMs: config.exportHostTimeoutMs,
    progressIntervalMs: config.progressIntervalMs,
  };
}

/** A stable digest of the normalised request, for idempotent retries. */
export function requestHash(request: ExportRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** Starts `contactExportWorkflow` for a validated request. */
export async function startExportJob(
  client: Client,
  config: Config,
  request: ExportRequest,
  owner: string,
): Promise<StartedJob> {
  const jobID = randomUUID();
  const jobName = request.name ?? defaultJobName(jobID);
  const input: ExportJobInput = { jobID, jobName, owner, request, tuning: tuningFrom(config) };
  const memo: JobMemo = {
    job: {
      jobName,
      exportType: request.exportType,
      compress: request.compress,
      destination: publicDestination(request.destination),
      requestHash: requestHash(request),
    },
  };
  await client.workflow.start<typeof contactExportWorkflow>('contactExportWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId: workflowIdFor(jobID),
    args: [input],
    memo: { ...memo },
    typedSearchAttributes: [
      { key: ExportName, value: jobName },
      { key: ExportStatus, value: 'Pending' },
      { key: DestinationType, value: request.destination.type },
      { key: ExportOwner, value: owner },
    ],
  });
  return { jobID, jobName };
}
