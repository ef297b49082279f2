import { randomUUID } from 'node:crypto';
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Config } from '../config';
import { publicDestination } from '../destinations/redaction';
import { NotFoundError, RequestValidationError } from '../errors';
import { jobFromExecution } from '../jobs/job-records';
import { mapConcurrently } from '../map-concurrently';
import type { ExportRequest, JobStatusName } from '../jobs/types';
import {
  createScheduleState,
  deleteScheduleState,
  pageScheduleIds,
  readWatermark,
  readWatermarks,
} from '../store/export-schedules';
import { executionInfoFromRaw } from '../temporal/sdk-internals';
import type { ScheduleDefinition, ScheduledExportInput } from '../../workflows/contract';
import type { scheduledExportWorkflow } from '../../workflows/scheduledExport';
import { ExportOwner, ExportSchedule } from '../../workflows/search-attributes';
import { temporalSpec } from './timing';

export type { ScheduleDefinition };

export interface ScheduleDeps {
  readonly client: Client;
  readonly config: Config;
  readonly db: Db;
}

export interface RecentJob {
  readonly jobID: string;
  readonly jobName: string;
  readonly status: JobStatusName;
  readonly startedAt: string;
}

/** GET /exportschedules/{id}. */
export interface ScheduleView {
  readonly scheduleID: string;
  readonly name: string;
  readonly cron: string | null;
  readonly every: string | null;
  readonly timezone: string;
  readonly incremental: boolean;
  readonly paused: boolean;
  /** The next times the schedule fires (at most 5). */
  readonly nextRuns: string[];
  /** The schedule's latest jobs, newest first (at most 10). */
  readonly recentJobs: RecentJob[];
  /** Incremental: every contact modified before this time has been delivered by a Done run. */
  readonly watermark: string | null;
  /** The export each run starts, as a POST /contactexports body, secrets removed. */
  readonly export: Record<string, unknown>;
  readonly links: { readonly self: string; readonly jobs: string };
}

/** The Temporal Schedule of an export schedule (what `temporal schedule list` shows). */
export function temporalScheduleId(scheduleID: string): string {
  return `contactexport-schedule-${scheduleID}`;
}

const RECENT_JOBS = 10;
const NEXT_RUNS = 5;
/** Schedules of a page described at once (two Temporal calls each). */
const DESCRIBE_CONCURRENCY = 8;

/**
 * Temporal's words for a spec it refuses, mapped to the request's field. The SDK turns the server's
 * "Invalid schedule spec: ..." (INVALID_ARGUMENT) into a TypeError holding the reason.
 */
function specError(err: unknown, definition: ScheduleDefinition): RequestValidationError | undefined {
  if (!(err instanceof TypeError)) return undefined;
  const reason = err.message.replace(/^.*Invalid schedule spec:\s*/i, '') || 'not a valid schedule';
  if (/time zone/i.test(reason)) {
    return new RequestValidationError(`timezone: unknown time zone "${definition.timezone}"`, [
      { path: 'timezone', message: `unknown time zone "${definition.timezone}"` },
    ]);
  }
  const field = definition.cron !== null ? 'cron' : 'every';
  return new RequestValidationError(`${field}: ${reason}`, [{ path: field, message: reason }]);
}

function action(
  config: Config,
  input: ScheduledExportInput,
): ScheduleOptionsStartWorkflowAction<typeof scheduledExportWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: 'scheduledExportWorkflow',
    taskQueue: config.temporal.taskQueue,
    // Temporal appends each run's time: contactexport-schedule-{id}-run-2026-11-28T02:00:00Z.
    workflowId: `${temporalScheduleId(input.scheduleID)}-run`,
    args: [input],
    memo: { schedule: { scheduleID: input.scheduleID, name: input.definition.name } },
    typedSearchAttributes: [
      { key: ExportOwner, value: input.owner },
      { key: ExportSchedule, value: input.scheduleID },
    ],
  };
}

/** The request as a POST /contactexports body, with the destination's secrets removed. */
function publicExportBody(request: ExportRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    exportType: request.exportType,
    name: request.name,
    fields: request.fields,
    lists: request.lists,
    'audience-key': request.audienceKey,
    showHeader: request.showHeader,
    compress: request.compress,
    neutralizeFormulas: request.neutralizeFormulas,
    maxRowsPerFile: request.maxRowsPerFile,
    maxFileSizeMB: request.maxFileSizeMB,
    encryption: request.encryption,
    confirmEmail: request.confirmEmail,
    callbackUrl: request.callbackUrl?.split(/[?#]/)[0],
    destination: publicDestination(request.destination),
    modifiedSince: request.modifiedSince,
    modifiedBefore: request.modifiedBefore,
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** The schedule's input, if it is an export schedule of this owner; NotFound otherwise. */
function scheduleInput(
  description: ScheduleDescription,
  scheduleID: string,
  owner?: string,
): ScheduledExportInput {
  const act = description.action;
  const input =
    act.type === 'startWorkflow' && act.workflowType === 'scheduledExportWorkflow'
      ? (act.args?.[0] as ScheduledExportInput | undefined)
      : undefined;
  if (!input || (owner !== undefined && input.owner !== owner))
    throw new NotFoundError(`no export schedule ${scheduleID}`);
  return input;
}

async function describe(
  deps: ScheduleDeps,
  scheduleID: string,
  owner?: string,
): Promise<{ description: ScheduleDescription; input: ScheduledExportInput }> {
  try {
    const description = await deps.client.schedule.getHandle(temporalScheduleId(scheduleID)).describe();
    return { description, input: scheduleInput(description, scheduleID, owner) };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new NotFoundError(`no export schedule ${scheduleID}`);
    throw err;
  }
}

/** The schedule's latest jobs from visibility (each run's job carries ExportSchedule). */
async function recentJobs(client: Client, scheduleID: string): Promise<RecentJob[]> {
  const namespace = client.options.namespace;
  const response = await client.workflowService.listWorkflowExecutions({
    namespace,
    query: `WorkflowType = "contactExportWorkflow" AND ExportSchedule = "${scheduleID}"`,
    pageSize: RECENT_JOBS,
  });
  const infos = await Promise.all(
    (response.executions ?? []).map((raw) =>
      executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, namespace),
    ),
  );
  return infos
    .map((info) => jobFromExecution(info))
    .map((job) => ({
      jobID: job.jobID,
      jobName: job.jobName,
      status: job.status,
      startedAt: job.times.start,
    }))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

function view(
  description: ScheduleDescription,
  input: ScheduledExportInput,
  jobs: RecentJob[],
  watermark: Date | null,
): ScheduleView {
  const { scheduleID, definition } = input;
  return {
    scheduleID,
    name: definition.name,
    cron: definition.cron,
    every: definition.every,
    timezone: definition.timezone,
    incremental: definition.incremental,
    paused: description.state.paused,
    nextRuns: description.info.nextActionTimes.slice(0, NEXT_RUNS).map((d) => d.toISOString()),
    recentJobs: jobs,
    watermark: definition.incremental ? (watermark?.toISOString() ?? null) : null,
    export: publicExportBody(input.request),
    links: {
      self: `/exportschedules/${scheduleID}`,
      jobs: `/jobs?scheduleID=${scheduleID}`,
    },
  };
}

export async function getSchedule(
  deps: ScheduleDeps,
  scheduleID: string,
  owner?: string,
): Promise<ScheduleView> {
  const { description, input } = await describe(deps, scheduleID, owner);
  const [jobs, watermark] = await Promise.all([
    recentJobs(deps.client, scheduleID),
    readWatermark(deps.db, scheduleID),
  ]);
  return view(description, input, jobs, watermark ?? null);
}

/** A page of the owner's schedules and the cursor of the next one (null: the last page). */
export interface SchedulePage {
  readonly schedules: ScheduleView[];
  readonly nextCursor: string | null;
}

/** `{createdAt ms}_{scheduleID}`: where the next page starts (not secret: it only names the owner's own). */
export const scheduleCursorPattern =
  /^\d{1,15}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A page of the owner's schedules, oldest first. The IDs come from the contact store (read-your-
 * writes: Temporal's schedule list is eventually consistent); each is then described in Temporal,
 * and its recent jobs read from visibility: a page costs two Temporal calls per schedule, so it is
 * bounded (`limit`, at most 100), and at most DESCRIBE_CONCURRENCY schedules are asked at once.
 */
export async function listSchedules(
  deps: ScheduleDeps,
  owner: string,
  page: { readonly limit: number; readonly cursor?: string } = { limit: 100 },
): Promise<SchedulePage> {
  const [ms, id] = page.cursor?.split('_') ?? [];
  const { ids, more } = await pageScheduleIds(deps.db, owner, {
    limit: page.limit,
    ...(ms && id ? { after: { createdAt: new Date(Number(ms)), scheduleID: id } } : {}),
  });
  const watermarks = await readWatermarks(
    deps.db,
    ids.map((i) => i.scheduleID),
  );
  const views = await mapConcurrently(ids, DESCRIBE_CONCURRENCY, async ({ scheduleID }) => {
    try {
      const { description, input } = await describe(deps, scheduleID, owner);
      const jobs = await recentJobs(deps.client, scheduleID);
      return view(description, input, jobs, watermarks.get(scheduleID) ?? null);
    } catch (err) {
      // Its Temporal Schedule is gone (deleted with `temporal schedule delete`): not listed.
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  });
  const last = ids[ids.length - 1];
  return {
    schedules: views.filter((v): v is ScheduleView => v !== undefined),
    nextCursor: more && last ? `${last.createdAt.getTime()}_${last.scheduleID}` : null,
  };
}

export async function createSchedule(
  deps: ScheduleDeps,
  owner: string,
  definition: ScheduleDefinition,
  request: ExportRequest,
): Promise<ScheduleView> {
  const scheduleID = randomUUID();
  const input: ScheduledExportInput = { scheduleID, owner, definition, request };
  await createScheduleState(deps.db, scheduleID, owner);
  try {
    await deps.client.schedule.create({
      scheduleId: temporalScheduleId(scheduleID),
      spec: temporalSpec(definition),
      action: action(deps.config, input),
      // Never two runs of one schedule at once; a failed run never pauses the schedule.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: false },
      typedSearchAttributes: [
        { key: ExportOwner, value: owner },
        { key: ExportSchedule, value: scheduleID },
      ],
    });
  } catch (err) {
    await deleteScheduleState(deps.db, scheduleID);
    throw specError(err, definition) ?? err;
  }
  return getSchedule(deps, scheduleID, owner);
}

export interface SchedulePatch {
  readonly definition?: Partial<ScheduleDefinition>;
  readonly request?: ExportRequest;
}

/** The definition and request a PATCH would give, for validation before anything is written. */
export async function patchedSchedule(
  deps: ScheduleDeps,
  scheduleID: string,
  owner: string,
  patch: SchedulePatch,
): Promise<ScheduledExportInput> {
  const { input } = await describe(deps, scheduleID, owner);
  const timing =
    patch.definition?.cron != null
      ? { cron: patch.definition.cron, every: null }
      : patch.definition?.every != null
        ? { cron: null, every: patch.definition.every }
        : {};
  return {
    ...input,
    definition: { ...input.definition, ...patch.definition, ...timing },
    request: patch.request ?? input.request,
  };
}

/** PATCH: the new spec and export replace the old; paused state and watermark stay. */
export async function updateSchedule(deps: ScheduleDeps, next: ScheduledExportInput): Promise<ScheduleView> {
  const handle = deps.client.schedule.getHandle(temporalScheduleId(next.scheduleID));
  try {
    await handle.update((previous) => ({
      ...previous,
      spec: temporalSpec(next.definition),
      action: action(deps.config, next),
    }));
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new NotFoundError(`no export schedule ${next.scheduleID}`);
    throw specError(err, next.definition) ?? err;
  }
  return getSchedule(deps, next.scheduleID, next.owner);
}

export async function deleteSchedule(deps: ScheduleDeps, scheduleID: string, owner: string): Promise<void> {
  await describe(deps, scheduleID, owner);
  try {
    await deps.client.schedule.getHandle(temporalScheduleId(scheduleID)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await deleteScheduleState(deps.db, scheduleID);
}

/** Runs the schedule now (skipped, like any run, while its previous run is still going). */
export async function triggerSchedule(deps: ScheduleDeps, scheduleID: string, owner: string): Promise<void> {
  await describe(deps, scheduleID, owner);
  // The SDK's trigger defaults to ALLOW_ALL; a run now must not overlap a running one either.
  await deps.client.schedule.getHandle(temporalScheduleId(scheduleID)).trigger(ScheduleOverlapPolicy.SKIP);
}

export async function setSchedulePaused(
  deps: ScheduleDeps,
  scheduleID: string,
  owner: string,
  paused: boolean,
): Promise<ScheduleView> {
  await describe(deps, scheduleID, owner);
  const handle = deps.client.schedule.getHandle(temporalScheduleId(scheduleID));
  if (paused) await handle.pause('paused through the API');
  else await handle.unpause('unpaused through the API');
  return getSchedule(deps, scheduleID, owner);
}
