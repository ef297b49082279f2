import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostActivities, SharedActivities } from '../activities';
import type { ExportedFile } from '../activities/export';
import type { ExportedPart } from '../activities/partitions';
import type {
  ExportJobInput,
  ExportPlan,
  JobNotification,
  JobStatusName,
  JobSummary,
  JobView,
  PublicDestination,
} from './contract';
import { progressSignal, statusQuery } from './definitions';
import { JobState } from './job-state';
import {
  callbackOptions,
  cleanupOptions,
  deliveryOptions,
  emailOptions,
  hostOptions,
  MAX_HOST_MOVES,
  metricsOptions,
  partOptions,
  sharedOptions,
} from './policies';
import { ExportStatus } from './search-attributes';

const shared = proxyActivities<SharedActivities>(sharedOptions);
const { recordJobEnded } = proxyLocalActivities<SharedActivities>(metricsOptions);

/**
 * One contact export job: plan → export (on one host, resumable; or in partitions joined on one
 * host) → deliver → clean up → done, then the confirmation email. Workflow ID
 * `contactexport-{jobID}`. Status via the `status` query while running; the result (or the
 * failure's details) holds the final JobView. Timeouts and retries: ./policies.ts.
 */
export async function contactExportWorkflow(input: ExportJobInput): Promise<JobView> {
  const job = new ExportJob(input);
  try {
    const plan = await job.plan();
    const parts = await job.exportPartitions(plan);
    await job.exportAndDeliver(plan, parts);
    await job.cleanUp();
    await job.finish('Done');
    return job.state.view();
  } catch (err) {
    // Whatever the activity reported, a requested cancellation ends the job as Cancelled.
    if (isCancellation(err) || CancellationScope.current().consideredCancelled) {
      await CancellationScope.nonCancellable(() => job.endCancelled());
      throw err;
    }
    throw await job.endFailed(err);
  }
}

/** The steps of one job and what they share: its state, where it runs, how many parts it made. */
class ExportJob {
  readonly state: JobState;
  /** The host holding the staging file, until it is removed. */
  private hostQueue: string | undefined;
  /** Partition files in storage to remove at the end. */
  private partCount = 0;
  /** A split export's partition files in storage (named, as their number is known only now). */
  private partFileKeys: string[] = [];

  constructor(private readonly input: ExportJobInput) {
    this.state = new JobState(input, new Date().toISOString(), shownDestination(input));
    setHandler(statusQuery, () => this.state.view());
    // Progress now travels in heartbeats; the handler stays for jobs started before that change.
    setHandler(progressSignal, (progress) => this.state.applyProgress(progress));
  }

  async plan(): Promise<ExportPlan> {
    const plan = await shared.planExport({ request: this.input.request, jobName: this.input.jobName });
    this.setStatus('Processing');
    this.state.phase = 'exporting';
    return plan;
  }

  /** Exports K `_id` ranges concurrently when configured and the job is big enough; else undefined. */
  async exportPartitions(plan: ExportPlan): Promise<ExportedPart[] | undefined> {
    const { input, state } = this;
    const parts = input.tuning.partitions ?? 1;
    if (parts < 2) return undefined;
    const activities = proxyActivities<SharedActivities>(partOptions(input));
    const layout = await activities.planPartitions({
      plan,
      parts,
      minContacts: input.tuning.partitionMinContacts ?? 0,
      heartbeatTimeoutMs: input.tuning.heartbeatTimeoutMs,
    });
    if (layout.boundaries.length === 0) return undefined;
    state.totalItems = layout.total;
    const bounds = [null, ...layout.boundaries, null];
    this.partCount = bounds.length - 1;
    const exportPart = (part: number): Promise<ExportedPart> =>
      activities.exportPart({
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
      this.partFileKeys.push(...(done.files ?? []).map((f) => f.key));
      // Finished partitions count in the job's state; running ones are read from their heartbeats.
      state.applyProgress({ phase: 'exporting', part, completedItems: done.rows, bytes: 0 });
      return done;
    });
  }

  /**
   * Exports (or joins the parts) into a staging file on one host, then delivers it from there.
   * When the host's worker disappears, the whole step starts again on another host.
   */
  async exportAndDeliver(plan: ExportPlan, parts: ExportedPart[] | undefined): Promise<void> {
    const { input, state } = this;
    for (let move = 0; ; move++) {
      const host = await shared.claimExportHost();
      this.hostQueue = host.taskQueue;
      const onHost = proxyActivities<HostActivities>(hostOptions(host.taskQueue, input));
      try {
        state.phase = 'exporting';
        const exported: ExportedFile = parts
          ? await onHost.joinParts({ jobID: input.jobID, plan, request: input.request, parts })
          : await onHost.exportContacts({
              jobID: input.jobID,
              plan,
              request: input.request,
              tuning: input.tuning,
            });
        state.completedItems = exported.rows;
        state.totalItems = exported.rows;
        state.bytes = 0;
        state.phase = 'uploading';
        const uploads = proxyActivities<HostActivities>(deliveryOptions(host.taskQueue, input));
        const delivery = {
          jobID: input.jobID,
          owner: input.owner,
          destination: input.request.destination,
          // Only when set: the activity's input for unencrypted jobs stays what it always was.
          ...(input.request.encryption ? { encryption: input.request.encryption } : {}),
          heartbeatTimeoutMs: input.tuning.heartbeatTimeoutMs,
        };
        if (plan.split && exported.files) {
          // Only split jobs take this path: other jobs' histories replay as they were recorded.
          const set = await uploads.deliverFiles({
            ...delivery,
            files: exported.files,
            split: plan.split,
            request: { exportType: input.request.exportType, compress: input.request.compress },
          });
          state.files = set.files;
          state.manifest = set.manifest;
          state.bytes = set.files.reduce((sum, f) => sum + f.bytes, 0);
          state.expiresAt = set.expiresAt;
          return;
        }
        const delivered = await uploads.deliverFile({
          ...delivery,
          stagingPath: exported.stagingPath,
          fileName: plan.fileName,
          bytes: exported.bytes,
        });
        // An encrypted file is larger than the staging file it was made from.
        const deliveredBytes = delivered.bytes ?? exported.bytes;
        state.bytes = deliveredBytes;
        state.file = {
          name: plan.fileName,
          bytes: deliveredBytes,
          rows: exported.rows,
          location: delivered.location,
        };
        state.expiresAt = delivered.expiresAt;
        // Delivered: nothing after this may send the export back to another host.
        if (patched('staging-cleanup-after-delivery')) return;
        await onHost.discardStaging({ jobID: input.jobID });
        this.hostQueue = undefined;
        return;
      } catch (err) {
        if (!isHostGone(err) || move >= MAX_HOST_MOVES) throw err;
        log.warn('export host disappeared; starting the export again on another host', { host: host.hostId });
      }
    }
  }

  /** Removes the staging file and the partition files, whatever happened to the job. */
  async cleanUp(): Promise<void> {
    if (this.hostQueue) await this.discardStaging(this.hostQueue);
    if (this.partCount === 0) return;
    try {
      await shared.discardParts({
        jobID: this.input.jobID,
        parts: this.partCount,
        ...(this.partFileKeys.length > 0 ? { keys: this.partFileKeys } : {}),
      });
    } catch (err) {
      log.warn('could not remove partition files; the purge schedule will', { error: messageOf(err) });
    }
  }

  /** The final status first (the file is delivered, or not), then the confirmation email. */
  async finish(status: 'Done' | 'Failed'): Promise<void> {
    const { state } = this;
    state.end = new Date().toISOString();
    this.setStatus(status);
    await this.recordEnd(status);
    const to = this.input.request.confirmEmail;
    if (to) {
      state.phase = 'notifying';
      state.notification = await sendConfirmation(this.input, to, state.view());
    }
    upsertMemo({ result: summary(state.view()) });
    await this.callBack(status === 'Done' ? 'contactexport.done' : 'contactexport.failed');
  }

  /** The signed POST to the request's callbackUrl (only jobs that asked for one), after the email. */
  private async callBack(type: 'contactexport.done' | 'contactexport.failed' | 'contactexport.cancelled') {
    const url = this.input.request.callbackUrl;
    if (!url) return;
    const { state } = this;
    const shown = url.split(/[?#]/)[0] ?? url;
    state.phase = 'notifying';
    state.callback = { url: shown, status: 'pending', attempts: 0, detail: null };
    const { sendJobCallback } = proxyActivities<SharedActivities>(callbackOptions(this.input));
    try {
      const sent = await sendJobCallback({ url, id: `msg_${this.input.jobID}`, type, job: state.view() });
      state.callback = {
        url: shown,
        status: 'delivered',
        attempts: sent.attempts,
        detail: `HTTP ${sent.status}`,
      };
    } catch (err) {
      const { message } = jobError(err);
      log.warn('job callback given up', { error: message });
      state.callback = { url: shown, status: 'failed', attempts: null, detail: message };
    }
    upsertMemo({ result: summary(state.view()) });
  }

  async endCancelled(): Promise<void> {
    await this.cleanUp();
    this.state.end = new Date().toISOString();
    this.state.error = { code: 'cancelled', message: 'cancelled by request' };
    this.setStatus('Cancelled');
    upsertMemo({ result: summary(this.state.view()) });
    await this.recordEnd('Cancelled');
    await this.callBack('contactexport.cancelled');
  }

  /** Records the failure, cleans up, ends Failed; returns the workflow's final failure. */
  async endFailed(err: unknown): Promise<ApplicationFailure> {
    this.state.error = jobError(err);
    await this.cleanUp();
    await this.finish('Failed');
    return ApplicationFailure.create({
      type: 'ExportFailed',
      message: this.state.error.message,
      nonRetryable: true,
      details: [this.state.view()],
    });
  }

  private setStatus(status: JobStatusName): void {
    this.state.status = status;
    upsertSearchAttributes([{ key: ExportStatus, value: status }]);
  }

  /** Counts the ended job in the worker's metrics; awaited, or it may never run. */
  private async recordEnd(status: JobStatusName): Promise<void> {
    try {
      await recordJobEnded({ status, destination: this.input.request.destination.type });
    } catch {
      // Metrics only: a failure to count must never change the job.
    }
  }

  private async discardStaging(taskQueue: string): Promise<void> {
    try {
      await proxyActivities<HostActivities>(cleanupOptions(taskQueue, this.input)).discardStaging({
        jobID: this.input.jobID,
      });
    } catch (err) {
      // A vanished host takes its staging file with it; nothing else to clean.
      log.warn('could not remove the staging file', { error: messageOf(err) });
    }
  }
}

/**
 * The destination as jobs show it: the public view the gateway stored in the memo when it started
 * the job (derived there from the destination's module). A job started some other way shows its
 * type only; the workflow never decides on its own what is secret.
 */
function shownDestination(input: ExportJobInput): PublicDestination {
  const memo = workflowInfo().memo as { job?: { destination?: PublicDestination } } | undefined;
  return memo?.job?.destination ?? { type: input.request.destination.type };
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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  return { code: 'export_failed', message: messageOf(cause) };
}

/** Sends the job-ended email with retries; a failure is recorded, never turned into a failed job. */
async function sendConfirmation(input: ExportJobInput, to: string, job: JobView): Promise<JobNotification> {
  const { sendJobEmail } = proxyActivities<SharedActivities>(emailOptions(input));
  try {
    const result = await sendJobEmail({ to, job });
    return { email: to, status: result.sent ? 'sent' : 'skipped', detail: result.detail };
  } catch (err) {
    const { message } = jobError(err);
    log.warn('confirmation email not sent', { error: message });
    return { email: to, status: 'failed', detail: message };
  }
}

/** What the memo keeps of an ended job, so GET /jobs lists it without fetching results. */
function summary(view: JobView): JobSummary {
  return {
    status: view.status,
    totalItems: view.totalItems,
    completedItems: view.completedItems,
    file: view.file,
    manifest: view.manifest,
    bytes: view.bytes,
    expiresAt: view.expiresAt,
    error: view.error,
    times: view.times,
    notification: view.notification,
    callback: view.callback,
  };
}
