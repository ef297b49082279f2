import type { Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { RequestValidationError } from '../errors';
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
export function visibilityQuery(owner: string, query: Omit<JobListQuery, 'limit' | 'cursor'>): string {
  const quote = (value: string): string => `"${value.replace(/["\\]/g, '')}"`;
  const clauses = [`WorkflowType = "contactExportWorkflow"`, `ExportOwner = ${quote(owner)}`];
  if (query.jobName) clauses.push(`ExportName = ${quote(query.jobName)}`);
  if (query.status) clauses.push(`ExportStatus = ${quote(query.status)}`);
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
export async function listJobs(client: Client, owner: string, query: JobListQuery): Promise<JobPage> {
  let nextPageToken: Uint8Array | undefined;
  if (query.cursor) {
    nextPageToken = Buffer.from(query.cursor, 'base64url');
    if (nextPageToken.length === 0)
      throw new RequestValidationError('invalid cursor', [
        { path: 'cursor', message: 'not a cursor from a previous page' },
      ]);
  }
  const namespace = client.options.namespace;
  let response;
  try {
    response = await client.workflowService.listWorkflowExecutions({
      namespace,
      query: visibilityQuery(owner, query),
      pageSize: query.limit,
      nextPageToken,
    });
  } catch (err) {
    if (query.cursor && /token|cursor|invalid/i.test(String(err))) {
      throw new RequestValidationError('invalid cursor', [
        { path: 'cursor', message: 'not a cursor from a previous page' },
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
  return { jobs, nextCursor: token && token.length > 0 ? Buffer.from(token).toString('base64url') : null };
}
