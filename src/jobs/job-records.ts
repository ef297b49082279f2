import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { ExportFormat } from '../export/formats';
import type { JobStatusName, JobSummary, JobView, JobWindow, PublicDestination } from './types';
import {
  DestinationType,
  ExportName,
  ExportOwner,
  ExportSchedule,
  ExportStatus,
} from '../../workflows/search-attributes';
import { workflowIdPrefix } from '../../workflows/definitions';

/** What the gateway stores in the memo at start: enough to list a job without asking the workflow. */
export interface JobMemo {
  readonly job: {
    readonly jobName: string;
    readonly exportType: ExportFormat;
    readonly compress: boolean;
    /** The lastModified window (absent in jobs started before windows existed). */
    readonly window?: JobWindow | null;
    readonly destination: PublicDestination;
    /** Keyed digest of the normalised request (Idempotency-Key replays must match it). */
    readonly requestDigest: string;
    /** Random per POST: tells a replayed Idempotency-Key request from the one that started the job. */
    readonly startToken: string;
  };
  /** Written by the workflow when the job ends. */
  readonly result?: JobSummary;
}

export function workflowIdFor(jobID: string): string {
  return `${workflowIdPrefix}${jobID}`;
}

export function jobIdFrom(workflowId: string): string {
  return workflowId.startsWith(workflowIdPrefix) ? workflowId.slice(workflowIdPrefix.length) : workflowId;
}

type ExecutionInfo = Omit<WorkflowExecutionInfo, 'raw'>;

export function ownerOfExecution(info: ExecutionInfo): string | undefined {
  return info.typedSearchAttributes.get(ExportOwner);
}

function statusFromExecution(info: ExecutionInfo): JobStatusName {
  const fromAttribute = info.typedSearchAttributes.get(ExportStatus) as JobStatusName | undefined;
  switch (info.status.name) {
    case 'COMPLETED':
      return 'Done';
    case 'CANCELLED':
      return 'Cancelled';
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return fromAttribute === 'Cancelled' ? 'Cancelled' : 'Failed';
    default:
      return fromAttribute ?? 'Pending';
  }
}

/**
 * A job as visibility and the memo know it (no workflow query): used for GET /jobs rows and when a
 * closed job's result cannot be read (terminated by an operator, for example).
 */
export function jobFromExecution(info: ExecutionInfo): JobView {
  const memo = (info.memo ?? {}) as Partial<JobMemo>;
  const result = memo.result;
  const status = statusFromExecution(info);
  const start = info.startTime.toISOString();
  const end = info.closeTime?.toISOString() ?? null;
  const total = result?.totalItems ?? null;
  const completed = result?.completedItems ?? 0;
  return {
    jobID: jobIdFrom(info.workflowId),
    jobName: memo.job?.jobName ?? info.typedSearchAttributes.get(ExportName) ?? '',
    type: 'contactexport',
    status,
    // The last phase the job reached, as the workflow reports it.
    phase:
      status === 'Done'
        ? result?.notification
          ? 'notifying'
          : 'uploading'
        : status === 'Pending'
          ? 'planning'
          : 'exporting',
    totalItems: total,
    completedItems: completed,
    percent: status === 'Done' ? 100 : total ? Math.min(100, Math.floor((completed / total) * 100)) : null,
    bytes: result?.bytes ?? result?.file?.bytes ?? 0,
    times: { start: result?.times.start ?? start, end: result?.times.end ?? end },
    file: result?.file ?? null,
    // A split job's list of files stays out of the memo (up to MAX_SPLIT_FILES lines per job).
    files: null,
    manifest: result?.manifest ?? null,
    expiresAt: result?.expiresAt ?? null,
    error:
      result?.error ??
      (status === 'Failed' && !result
        ? { code: 'export_failed', message: `workflow ${info.status.name.toLowerCase()}` }
        : null),
    notification: result?.notification ?? null,
    callback: result?.callback ?? null,
    destination: memo.job?.destination ?? { type: info.typedSearchAttributes.get(DestinationType) ?? 'aws' },
    exportType: memo.job?.exportType ?? 'csv',
    compress: memo.job?.compress ?? false,
    window: memo.job?.window ?? null,
    scheduleID: info.typedSearchAttributes.get(ExportSchedule) ?? null,
  };
}
