import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { JobPhase } from './types';

/** What Temporal itself holds about a running job's export or upload: its last recorded heartbeat. */
export interface RecordedProgress {
  readonly phase: Extract<JobPhase, 'exporting' | 'uploading'>;
  readonly rows: number | undefined;
  readonly totalItems: number | null | undefined;
  readonly bytes: number | undefined;
  readonly attempt: number;
}

interface HeartbeatShape {
  rows?: number;
  bytes?: number;
  bytesSent?: number;
  totalItems?: number | null;
}

/**
 * The last checkpoint the server recorded for the job's running activity. Needs no worker, so
 * GET /jobs still shows how far a job got while its worker is down.
 */
export async function recordedProgress(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<RecordedProgress | undefined> {
  for (const pending of description.raw.pendingActivities ?? []) {
    const type = pending.activityType?.name;
    if (type !== 'exportContacts' && type !== 'deliverFile') continue;
    const payloads = pending.heartbeatDetails?.payloads;
    const details = payloads?.length
      ? await decodeFromPayloadsAtIndex<HeartbeatShape | undefined>(
          client.options.loadedDataConverter,
          0,
          payloads,
        ).catch(() => undefined)
      : undefined;
    return {
      phase: type === 'exportContacts' ? 'exporting' : 'uploading',
      rows: details?.rows,
      totalItems: details?.totalItems,
      bytes: type === 'exportContacts' ? details?.bytes : details?.bytesSent,
      attempt: pending.attempt ?? 1,
    };
  }
  return undefined;
}
