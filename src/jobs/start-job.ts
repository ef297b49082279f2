import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { digestMatches, keyedDigest } from '../crypto/keyring';
import { ConflictError } from '../errors';
import type { contactExportWorkflow } from '../../workflows/contactExport';
import { jobWindow } from '../../workflows/job-state';
import { moduleOf } from '../destinations';
import { publicDestination } from '../destinations/redaction';
import { jobSearchAttributes } from '../../workflows/search-attributes';
import { workflowIdFor, type JobMemo } from './job-records';
import { defaultJobName } from './naming';
import type { ExportJobInput, ExportRequest, ExportTuning } from './types';

export interface StartedJob {
  readonly jobID: string;
  readonly jobName: string;
  /** True when an Idempotency-Key matched an earlier request: nothing new was started. */
  readonly replayed: boolean;
}

export function tuningFrom(config: Config): ExportTuning {
  return {
    heartbeatTimeoutMs: config.exportHeartbeatTimeoutMs,
    hostScheduleToStartTimeoutMs: config.exportHostTimeoutMs,
    progressIntervalMs: config.progressIntervalMs,
    emailMaxAttempts: config.emailMaxAttempts,
    partitions: config.exportPartitions,
    partitionMinContacts: config.exportPartitionMinContacts,
    exportTimeoutMs: config.exportTimeoutMs,
    uploadTimeoutMs: config.uploadTimeoutMs,
  };
}

/** A job's tuning: the deployment's settings and its destination module's delivery retries. */
export function jobTuning(config: Config, request: ExportRequest): ExportTuning {
  return {
    ...tuningFrom(config),
    deliveryRetry: moduleOf(request.destination.type).retry,
    ...(request.callbackUrl ? { webhookWindowMs: config.webhookRetryWindowMs } : {}),
  };
}

/**
 * What a job's memo holds from its start (the Web UI and GET /jobs read it; never a secret): its
 * name, format, window, public destination, and a keyed digest of the request for idempotent replays.
 */
export function jobMemo(config: Config, input: ExportJobInput, startToken: string): JobMemo {
  const { request } = input;
  return {
    job: {
      jobName: input.jobName,
      exportType: request.exportType,
      compress: request.compress,
      window: jobWindow(request),
      destination: publicDestination(request.destination),
      requestDigest: keyedDigest(config.keyring, JSON.stringify(request)),
      startToken,
    },
  };
}

/** The job ID an Idempotency-Key maps to, per API key: a UUID-shaped digest. */
export function idempotentJobId(owner: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(`${owner}\n${idempotencyKey}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Starts `contactExportWorkflow` for a validated request. With an Idempotency-Key the workflow ID
 * is derived from it, and Temporal itself refuses a second start (USE_EXISTING while running,
 * REJECT_DUPLICATE once closed): a retried POST returns the same job, and a different body under
 * the same key is a conflict. No in-memory state, so it holds across gateway replicas.
 */
export async function startExportJob(
  client: Client,
  config: Config,
  request: ExportRequest,
  owner: string,
  idempotencyKey?: string,
): Promise<StartedJob> {
  const jobID = idempotencyKey ? idempotentJobId(owner, idempotencyKey) : randomUUID();
  const jobName = request.name ?? defaultJobName(jobID);
  const startToken = randomUUID();
  const input: ExportJobInput = { jobID, jobName, owner, request, tuning: jobTuning(config, request) };
  const memo = jobMemo(config, input, startToken);
  const workflowId = workflowIdFor(jobID);
  try {
    await client.workflow.start<typeof contactExportWorkflow>('contactExportWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [input],
      memo: { ...memo },
      typedSearchAttributes: jobSearchAttributes(input),
      ...(idempotencyKey
        ? { workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'REJECT_DUPLICATE' }
        : {}),
    });
  } catch (err) {
    if (!(idempotencyKey && err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  if (!idempotencyKey) return { jobID, jobName, replayed: false };

  const existing = await client.workflow.getHandle(workflowId).describe();
  const existingJob = (existing.memo as Partial<JobMemo> | undefined)?.job;
  if (!existingJob || !digestMatches(config.keyring, existingJob.requestDigest, JSON.stringify(request))) {
    throw new ConflictError(
      `Idempotency-Key "${idempotencyKey}" was already used with a different request body (job ${jobID})`,
    );
  }
  return { jobID, jobName: existingJob.jobName, replayed: existingJob.startToken !== startToken };
}
