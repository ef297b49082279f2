import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { ActivityCancellationType } from '@temporalio/workflow';
import type { ExportJobInput } from './contract';

/**
 * Every timeout and retry of the export workflow. What depends on the deployment (heartbeat and
 * schedule-to-start timeouts, email attempts, partitions) comes from configuration through the
 * job's `tuning`; what depends on the destination comes from its module (`tuning.deliveryRetry`).
 * What stays here is fixed by the workflow's own shape, and changing it changes no command.
 */

/**
 * Failure types no retry can fix. Activities already mark these failures non-retryable; the list
 * keeps them from retrying even if an activity forgets to.
 */
export const nonRetryableErrorTypes = [
  'RequestValidationError',
  'UnknownReferenceError',
  'DestinationAuthError',
  'DestinationPermissionError',
  'DestinationNotFoundError',
  'DestinationHostKeyError',
  'InvalidKeyError',
  'CallbackRefusedError',
];

/** How many times an export moves to another host when its host's worker has disappeared. */
export const MAX_HOST_MOVES = 5;

/** Short steps on any worker: planning, claiming a host, removing parts. */
export const sharedOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
};

/** Counting the ended job in the worker's metrics. */
export const metricsOptions: LocalActivityOptions = {
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 2 },
};

/** Exports resume from their checkpoints, so retrying them is cheap: generous, with backoff. */
const exportRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 20,
  nonRetryableErrorTypes,
};

/** Exporting (or joining) on one host. When the host is gone its queue is never served. */
export function hostOptions(taskQueue: string, input: ExportJobInput): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: input.tuning.exportTimeoutMs ?? '24 hours',
    heartbeatTimeout: input.tuning.heartbeatTimeoutMs,
    scheduleToStartTimeout: input.tuning.hostScheduleToStartTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: exportRetry,
  };
}

/** Planning and exporting the partitions of a parallel export, on any worker. */
export function partOptions(input: ExportJobInput): ActivityOptions {
  return {
    startToCloseTimeout: input.tuning.exportTimeoutMs ?? '24 hours',
    heartbeatTimeout: input.tuning.heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: exportRetry,
  };
}

/**
 * For jobs started before destination modules carried their retries in the job's tuning: the
 * most patient of the policies then in force, so no in-flight delivery gives up sooner.
 */
const legacyDeliveryRetry: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '2 minutes',
  maximumAttempts: 10,
};

/** Uploading the finished file from the host that holds it, with the destination's retries. */
export function deliveryOptions(taskQueue: string, input: ExportJobInput): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: input.tuning.uploadTimeoutMs ?? '6 hours',
    heartbeatTimeout: input.tuning.heartbeatTimeoutMs,
    scheduleToStartTimeout: input.tuning.hostScheduleToStartTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...(input.tuning.deliveryRetry ?? legacyDeliveryRetry), nonRetryableErrorTypes },
  };
}

/** Removing a staging file on its host: brief, and pointless once the host is gone. */
export function cleanupOptions(taskQueue: string, input: ExportJobInput): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: '1 minute',
    scheduleToStartTimeout: input.tuning.hostScheduleToStartTimeoutMs,
    retry: { maximumAttempts: 3 },
  };
}

/** The confirmation email: retried, never failing the job. */
export function emailOptions(input: ExportJobInput): ActivityOptions {
  return {
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      // Older job inputs predate the setting.
      maximumAttempts: input.tuning.emailMaxAttempts ?? 10,
    },
  };
}

/**
 * The job-ended callback: retried with backoff (2 s, 4 s, … up to 10 min apart) until delivered
 * or until the window (WEBHOOK_RETRY_WINDOW, default 24 h) closes; the same webhook-id each time.
 */
export function callbackOptions(input: ExportJobInput): ActivityOptions {
  return {
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: input.tuning.webhookWindowMs ?? 24 * 3_600_000,
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes,
    },
  };
}

/** A scheduled run's own short steps: preparing its job, moving the watermark. */
export const scheduleRunOptions: ActivityOptions = sharedOptions;
