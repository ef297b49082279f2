import type { Client } from '@temporalio/client';
import { executionInfoFromRaw } from '../temporal/sdk-internals';
import type { Keyring } from '../crypto/keyring';
import { RequestValidationError } from '../errors';
import { decodeCursor, encodeCursor } from './cursor';
import { runningJobView } from './get-job';
import { jobFromExecution } from './job-records';
import type { JobStatusName, JobView } from './types';

export interface StartTimeRange {
  readonly gt?: Date;
  readonly gte?: Date;
  readonly lt?: Date;
  readonly lte?: Date;
}

export interface JobListQuery {
  readonly jobName?: string;
  readonly status?: JobStatusName;
  readonly scheduleID?: string;
  readonly start?: StartTimeRange;
  readonly limit: number;
  /** Opaque: the previous page's `next` cursor. */
  readonly cursor?: string;
}

export interface JobPage {
  readonly jobs: JobView[];
  readonly nextCursor: string | null;
}

const QUERY_DEADLINE_MS = 1500;

/** A visibility query for the owner's jobs; every value is validated before it gets here. */
export function visibilityQuery(
  owner: string | undefined,
  query: Omit<JobListQuery, 'limit' | 'cursor'>,
): string {
  const quote = (value: string): string => `"${value.replace(/["\\]/g, '')}"`;
  const clauses = [`WorkflowType = "contactExportWorkflow"`];
  if (owner !== undefined) clauses.push(`ExportOwner = ${quote(owner)}`);
  if (query.jobName) clauses.push(`ExportName = ${quote(query.jobName)}`);
  if (query.status) clauses.push(`ExportStatus = ${quote(query.status)}`);
  if (query.scheduleID) clauses.push(`ExportSchedule = ${quote(query.scheduleID)}`);
  const operators = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const [key, op] of Object.entries(operators) as [keyof StartTimeRange, string][]) {
    const when = query.start?.[key];
    if (when) clauses.push(`StartTime ${op} ${quote(when.toISOString())}`);
  }
  return clauses.join(' AND ');
}

/**
 * GET /jobs from Temporal visibility (search attributes and memo), not from a scan: running jobs
 * first, newest start first, then ended jobs, most recently ended first (visibility's own order).
 * Running rows get live progress from the status query when a worker answers quickly.
 */
export async function listJobs(
  client: Client,
  keyring: Keyring,
  owner: string | undefined,
  query: JobListQuery,
): Promise<JobPage> {
  const visibility = visibilityQuery(owner, query);
  const binding = `${visibility}\n${query.limit}`;
  const nextPageToken = query.cursor ? decodeCursor(keyring, query.cursor, binding) : undefined;
  const namespace = client.options.namespace;
  let response;
  try {
    response = await client.workflowService.listWorkflowExecutions({
      namespace,
      query: visibility,
      pageSize: query.limit,
      nextPageToken,
    });
  } catch (err) {
    // A signed cursor Temporal no longer accepts (its visibility store changed, say).
    if (query.cursor && /token|cursor|invalid/i.test(String(err))) {
      throw new RequestValidationError('invalid cursor', [
        { path: 'cursor', message: 'this cursor has expired: start again from the first page' },
      ]);
    }
    throw err;
  }
  const infos = await Promise.all(
    (response.executions ?? []).map((raw) =>
      executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, namespace),
    ),
  );
  const jobs = await Promise.all(
    infos.map(async (info) => {
      const view = jobFromExecution(info);
      if (info.status.name !== 'RUNNING') return view;
      try {
        const description = await client.workflow.getHandle(info.workflowId, info.runId).describe();
        return await runningJobView(client, description, QUERY_DEADLINE_MS);
      } catch {
        return view;
      }
    }),
  );
  const token = response.nextPageToken;
  return { jobs, nextCursor: token && token.length > 0 ? encodeCursor(keyring, token, binding) : null };
}
