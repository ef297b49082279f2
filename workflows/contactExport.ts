import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type RetryPolicy,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { HostActivities, SharedActivities } from '../activities';
import type { ExportedFile } from '../activities/export';
import type { ExportedPart } from '../activities/partitions';
import type {
  DestinationType,
  ExportJobInput,
  ExportPlan,
  JobNotification,
  JobStatusName,
  JobSummary,
  JobView,
} from '../src/jobs/types';
import { progressSignal, statusQuery } from './definitions';
import { JobState } from './job-state';
import { publicDestination } from './public-destination';
import { ExportStatus } from './search-attributes';

const nonRetryableErrorTypes = [
  'RequestValidationError',
  'UnknownReferenceError',
  'DestinationAuthError',
  'DestinationPermissionError',
  'DestinationNotFoundError',
];

const shared = proxyActivities<SharedActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
});

const { recordJobEnded } = proxyLocalActivities<SharedActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 2 },
});

/** How many times an export moves to another host when its host's worker has disappeared. */
const MAX_HOST_MOVES = 5;

/**
 * Retries per destination type. Partner FTP/SFTP servers get the longest patience (about 8 minutes
 * of attempts); auth, permission and missing-bucket errors never retry (see nonRetryableErrorTypes).
 */
const deliveryRetry: Record<DestinationType, RetryPolicy> = {
  aws: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
  ftp: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 10,
  },
  sftp: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 10,
  },
  s3: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
  gcs: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
  },
};

function deliveryActivities(taskQueue: string, input: ExportJobInput) {
  return proxyActivities<HostActivities>({
    taskQueue,
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: input.tuning.heartbeatTimeoutMs,
    scheduleToStartTimeout: input.tuning.hostScheduleToStartTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...deliveryRetry[input.request.destination.type], nonRetryableErrorTypes },
  });
}

/** Exports resume from their checkpoints, so retrying them is cheap: generous, with backoff. */
const exportRetry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 20,
  nonRetryableErrorTypes,
};

function hostActivities(taskQueue: string, input: ExportJobInput) {
  return proxyActivities<HostActivities>({
    taskQueue,
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: input.tuning.heartbeatTimeoutMs,
    // When the host is gone, its queue is never served: give up on it and export elsewhere.
    scheduleToStartTimeout: input.tuning.hostScheduleToStartTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: exportRetry,
  });
}

/**
 * Planning and exporting the partitions of a parallel export, on any worker (parts are handed
 * over through storage). Long: both scan the collection, heartbeating.
 */
function partActivities(input: ExportJobInput) {
  return proxyActivities<SharedActivities>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: input.tuning.heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: exportRetry,
  });
}

function isHostGone(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === 'SCHEDULE_TO_START'
  );
}

/**
 * Runs every task; when one fails, cancels the others, waits for them to stop (they clean up after
 * themselves), then throws that first failure. `Promise.all` would leave the siblings running.
 */
async function allOrNone<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const scope = new CancellationScope();
  let failure: { error: unknown } | undefined;
  const settled = await scope.run(() =>
    Promise.allSettled(
      items.map((item) =>
        run(item).catch((error: unknown) => {
          if (!failure) {
            failure = { error };
            scope.cancel();
          }
          throw error;
        }),
      ),
    ),
  );
  if (failure) throw failure.error;
  return settled.map((result) => (result as PromiseFulfilledResult<R>).value);
}

/** The user-facing error of a failed step: the code our activities attach, and the root message. */
function jobError(err: unknown): { code: string; message: string } {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { code?: string } | undefined;
    return { code: details?.code ?? 'export_failed', message: cause.message };
  }
  if (cause instanceof TimeoutFailure)
    return { code: 'timeout', message: `timed out (${cause.timeoutType ?? 'unknown'})` };
  return { code: 'export_failed', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * One contact export job: plan → export (on one host, resumable) → deliver → done.
 * Workflow ID `contactexport-{jobID}`. Status via the `status` query while running; the result
 * (or the failure's details) holds the final JobView.
 */
export async function contactExportWorkflow(input: ExportJobInput): Promise<JobView> {
  const state = new JobState(input, new Date().toISOString(), publicDestination(input.request.destination));
  setHandler(statusQuery, () => state.view());
  // Progress now travels in heartbeats; the handler stays for jobs started before that change.
  setHandler(progressSignal, (progress) => state.applyProgress(progress));
  /** Where the export runs (its staging file), and how many partition files to remove at the end. */
  let hostQueue: string | undefined;
  let partCount = 0;

  const setStatus = (status: JobStatusName): void => {
    state.status = status;
    upsertSearchAttributes([{ key: ExportStatus, value: status }]);
  };
  /** Counts the ended job in the worker's metrics; awaited, or it may never run. */
  const recordEnd = async (status: JobStatusName): Promise<void> => {
    try {
      await recordJobEnded({ status, destination: input.request.destination.type });
    } catch {
      // Metrics only: a failure to count must never change the job.
    }
  };

  /** The final status first (the file is delivered, or not), then the confirmation email. */
  const finish = async (status: 'Done' | 'Failed'): Promise<void> => {
    state.end = new Date().toISOString();
    setStatus(status);
    await recordEnd(status);
    const to = input.request.confirmEmail;
    if (to) {
      state.phase = 'notifying';
      state.notification = await sendConfirmation(input, to, state.view());
    }
    upsertMemo({ result: summary(state.view()) });
  };

  /** Exports K `_id` ranges concurrently when configured and the job is big enough; else undefined. */
  const exportPartitions = async (plan: ExportPlan): Promise<ExportedPart[] | undefined> => {
    const parts = input.tuning.partitions ?? 1;
    if (parts < 2) return undefined;
    const layout = await partActivities(input).planPartitions({
      plan,
      parts,
      minContacts: input.tuning.partitionMinContacts ?? 0,
      heartbeatTimeoutMs: input.tuning.heartbeatTimeoutMs,
    });
    if (layout.boundaries.length === 0) return undefined;
    state.totalItems = layout.total;
    const bounds = [null, ...layout.boundaries, null];
    partCount = bounds.length - 1;
    const exportPart = (part: number): Promise<ExportedPart> =>
      partActivities(input).exportPart({
        jobID: input.jobID,
        plan,
        request: input.request,
        tuning: input.tuning,
        part,
        fromId: bounds[part] ?? null,
        beforeId: bounds[part + 1] ?? null,
        totalItems: layout.total,
      });
    const numbers = bounds.slice(0, -1).map((_, part) => part);
    if (!patched('contained-partition-failure')) return Promise.all(numbers.map(exportPart));
    return allOrNone(numbers, async (part) => {
      const done = await exportPart(part);
      // Finished partitions count in the job's state; running ones are read from their heartbeats.
      state.applyProgress({ phase: 'exporting', part, completedItems: done.rows, bytes: 0 });
      return done;
    });
  };
  const discardParts = async (): Promise<void> => {
    if (partCount === 0) return;
    try {
      await shared.discardParts({ jobID: input.jobID, parts: partCount });
    } catch (err) {
      log.warn('could not remove partition files; the purge schedule will', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };

  try {
    const plan = await shared.planExport({ request: input.request, jobName: input.jobName });
    setStatus('Processing');
    state.phase = 'exporting';
    const parts = await exportPartitions(plan);

    for (let move = 0; ; move++) {
      const host = await shared.claimExportHost();
      hostQueue = host.taskQueue;
      const acts = hostActivities(host.taskQueue, input);
      try {
        state.phase = 'exporting';
        const exported: ExportedFile = parts
          ? await acts.joinParts({ jobID: input.jobID, plan, request: input.request, parts })
          : await acts.exportContacts({
              jobID: input.jobID,
              plan,
              request: input.request,
              tuning: input.tuning,
            });
        state.completedItems = exported.rows;
        state.totalItems = exported.rows;
        state.bytes = 0;
        state.phase = 'uploading';
        const delivered = await deliveryActivities(host.taskQueue, input).deliverFile({
          jobID: input.jobID,
          owner: input.owner,
          stagingPath: exported.stagingPath,
          fileName: plan.fileName,
          bytes: exported.bytes,
          destination: input.request.destination,
          heartbeatTimeoutMs: input.tuning.heartbeatTimeoutMs,
        });
        state.bytes = exported.bytes;
        state.file = {
          name: plan.fileName,
          bytes: exported.bytes,
          rows: exported.rows,
          location: delivered.location,
        };
        state.expiresAt = delivered.expiresAt;
        // Delivered: nothing after this may send the export back to another host.
        if (patched('staging-cleanup-after-delivery')) break;
        await acts.discardStaging({ jobID: input.jobID });
        hostQueue = undefined;
        break;
      } catch (err) {
        if (!isHostGone(err) || move >= MAX_HOST_MOVES) throw err;
        log.warn('export host disappeared; starting the export again on another host', { host: host.hostId });
      }
    }

    if (hostQueue) await cleanupStaging(hostQueue, input);
    await discardParts();
    await finish('Done');
    return state.view();
  } catch (err) {
    // Whatever the activity reported, a requested cancellation ends the job as Cancelled.
    if (isCancellation(err) || CancellationScope.current().consideredCancelled) {
      await CancellationScope.nonCancellable(async () => {
        if (hostQueue) await cleanupStaging(hostQueue, input);
        await discardParts();
        state.end = new Date().toISOString();
        state.error = { code: 'cancelled', message: 'cancelled by request' };
        setStatus('Cancelled');
        upsertMemo({ result: summary(state.view()) });
        await recordEnd('Cancelled');
      });
      throw err;
    }
    state.error = jobError(err);
    if (hostQueue) await cleanupStaging(hostQueue, input);
    await discardParts();
    await finish('Failed');
    throw ApplicationFailure.create({
      type: 'ExportFailed',
      message: state.error.message,
      nonRetryable: true,
      details: [state.view()],
    });
  }
}

/** Sends the job-ended email with retries; a failure is recorded, never turned into a failed job. */
async function sendConfirmation(input: ExportJobInput, to: string, job: JobView): Promise<JobNotification> {
  const { sendJobEmail } = proxyActivities<SharedActivities>({
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      // Older job inputs predate the setting.
      maximumAttempts: input.tuning.emailMaxAttempts ?? 10,
    },
  });
  try {
    const result = await sendJobEmail({ to, job });
    return { email: to, status: result.sent ? 'sent' : 'skipped', detail: result.detail };
  } catch (err) {
    const { message } = jobError(err);
    log.warn('confirmation email not sent', { error: message });
    return { email: to, status: 'failed', detail: message };
  }
}

async function cleanupStaging(taskQueue: string, input: ExportJobInput): Promise<void> {
  try {
    await proxyActivities<HostActivities>({
      taskQueue,
      startToCloseTimeout: '1 minute',
      scheduleToStartTimeout: input.tuning.hostScheduleToStartTimeoutMs,
      retry: { maximumAttempts: 3 },
    }).discardStaging({ jobID: input.jobID });
  } catch (err) {
    // A vanished host takes its staging file with it; nothing else to clean.
    log.warn('could not remove the staging file', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** What the memo keeps of an ended job, so GET /jobs lists it without fetching results. */
function summary(view: JobView): JobSummary {
  return {
    status: view.status,
    totalItems: view.totalItems,
    completedItems: view.completedItems,
    file: view.file,
    expiresAt: view.expiresAt,
    error: view.error,
    times: view.times,
    notification: view.notification,
  };
}
