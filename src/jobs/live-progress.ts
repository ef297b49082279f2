import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { JobView } from './types';

/**
 * What the job's running activities last heartbeated, as Temporal recorded it (at most
 * PROGRESS_INTERVAL old). Progress travels in heartbeats, never in signals, so a job's history
 * does not grow with its size or duration; `describe` reads it back, with or without a worker.
 */
export interface LiveProgress {
  readonly phase: 'queued' | 'exporting' | 'uploading';
  /** Rows written by the running export activities (summed over running partitions). */
  readonly rows: number | undefined;
  readonly totalItems: number | null | undefined;
  readonly bytes: number | undefined;
  /** 1-based place in its host's line while queued; null when unknown (not started yet). */
  readonly queuePosition: number | null;
  /** True when the rows come from partitions (finished partitions count in the workflow's state). */
  readonly partitioned: boolean;
  readonly attempt: number;
}

/** Heartbeat details of the export, join and upload activities (activities/progress.ts). */
export interface Heartbeat {
  phase?: string;
  position?: number;
  rows?: number;
  bytes?: number;
  bytesSent?: number;
  totalItems?: number | null;
  /** A split export's finished files (`bytes` is then the current file's). */
  files?: { bytes?: number }[];
}

export type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

const EXPORTS = new Set(['exportContacts', 'exportPart']);
const TRACKED = new Set([...EXPORTS, 'joinParts', 'deliverFile']);
/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED */
const SCHEDULED = 1;

/** The latest heartbeat details Temporal recorded for a pending activity, decoded (empty if none). */
export async function decodeHeartbeat(client: Client, pending: PendingActivity): Promise<Heartbeat> {
  let payloads = (pending.heartbeatDetails?.payloads ?? []) as Payload[];
  if (payloads.length === 0) return {};
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  try {
    for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    const first = payloads[0];
    return first ? (payloadConverter.fromPayload<Heartbeat | undefined>(first) ?? {}) : {};
  } catch {
    // Progress is advisory: an undecodable heartbeat (a key rotated away) shows no numbers.
    return {};
  }
}

/** Waiting for a worker's first pick-up, or waiting in a host's line after it. */
function isQueued(pending: PendingActivity, details: Heartbeat): boolean {
  if (details.phase === 'queued') return true;
  return Number(pending.state) === SCHEDULED && (pending.attempt ?? 1) <= 1 && !details.phase;
}

const sum = (values: (number | undefined)[]): number | undefined =>
  values.some((v) => v !== undefined) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : undefined;

/** Bytes an export has written: of a split export, its finished files' and the current one's. */
function writtenBytes(details: Heartbeat): number | undefined {
  if (!details.files?.length) return details.bytes;
  return details.files.reduce((a, f) => a + (f.bytes ?? 0), details.bytes ?? 0);
}

export async function liveProgress(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<LiveProgress | undefined> {
  const running = (description.raw.pendingActivities ?? []).filter((p) =>
    TRACKED.has(p.activityType?.name ?? ''),
  );
  if (running.length === 0) return undefined;
  const seen = await Promise.all(
    running.map(async (pending) => ({ pending, details: await decodeHeartbeat(client, pending) })),
  );
  const queued = seen.filter(({ pending, details }) => isQueued(pending, details));
  const positions = queued.map(({ details }) => details.position).filter((p) => p !== undefined);
  const upload = seen.find(({ pending }) => pending.activityType?.name === 'deliverFile');
  const exports = seen.filter(({ pending }) => EXPORTS.has(pending.activityType?.name ?? ''));
  const join = seen.find(({ pending }) => pending.activityType?.name === 'joinParts');
  const base = {
    phase: queued.length === seen.length ? ('queued' as const) : ('exporting' as const),
    queuePosition: queued.length === seen.length && positions.length > 0 ? Math.min(...positions) : null,
    attempt: Math.max(...seen.map(({ pending }) => pending.attempt ?? 1)),
  };
  if (upload)
    return {
      ...base,
      phase: base.phase === 'queued' ? 'queued' : 'uploading',
      rows: undefined,
      totalItems: undefined,
      bytes: upload.details.bytesSent,
      partitioned: false,
    };
  if (join)
    return { ...base, rows: undefined, totalItems: undefined, bytes: join.details.bytes, partitioned: true };
  const totals = exports.map(({ details }) => details.totalItems).filter((t) => typeof t === 'number');
  return {
    ...base,
    rows: sum(exports.map(({ details }) => details.rows)),
    totalItems: totals.length > 0 ? Math.max(...totals) : undefined,
    bytes: sum(exports.map(({ details }) => writtenBytes(details))),
    partitioned: exports.some(({ pending }) => pending.activityType?.name === 'exportPart'),
  };
}

/**
 * A running job's view with its live progress: the workflow's state (phase boundaries, finished
 * partitions) plus what its running activities heartbeat.
 */
export function withLiveProgress(view: JobView, live: LiveProgress | undefined): JobView {
  if (!live || (view.status !== 'Pending' && view.status !== 'Processing')) return view;
  if (view.phase === 'notifying' || view.phase === 'planning') return view;
  const totalItems = live.totalItems ?? view.totalItems;
  let completedItems = view.completedItems;
  if (live.rows !== undefined)
    // Finished partitions are in the workflow's state; a single stream's rows are all live.
    completedItems = live.partitioned ? view.completedItems + live.rows : live.rows;
  const phase = live.phase === 'queued' ? 'queued' : live.phase === 'uploading' ? 'uploading' : view.phase;
  return {
    ...view,
    status: 'Processing',
    phase,
    queuePosition: live.queuePosition,
    totalItems,
    completedItems,
    percent: totalItems ? Math.min(100, Math.floor((completedItems / totalItems) * 100)) : view.percent,
    bytes: live.bytes ?? view.bytes,
  };
}
