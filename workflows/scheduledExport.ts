import {
  CancelledFailure,
  ChildWorkflowFailure,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SharedActivities } from '../activities';
import type { contactExportWorkflow } from './contactExport';
import type { JobStatusName, ScheduledExportInput, ScheduledRunResult } from './contract';
import { workflowIdPrefix } from './definitions';
import { scheduleRunOptions } from './policies';
import { jobSearchAttributes, TemporalScheduledStartTime } from './search-attributes';
import { jobWindow } from './job-state';

const { prepareScheduledRun, advanceScheduleWatermark } =
  proxyActivities<SharedActivities>(scheduleRunOptions);

/**
 * One run of an export schedule, started by its Temporal Schedule (overlap policy SKIP: never two
 * runs of one schedule at once). The run's job is an ordinary `contactExportWorkflow`, started as a
 * child with its own job ID, so GET /jobs, the Web UI and cancellation treat it like any other.
 * Incremental schedules export [watermark, run start) and move the watermark to the run's start
 * only when the job ends Done: a failed or cancelled run leaves it, and the next run covers both.
 */
export async function scheduledExportWorkflow(input: ScheduledExportInput): Promise<ScheduledRunResult> {
  const info = workflowInfo();
  const runStart = info.typedSearchAttributes.get(TemporalScheduledStartTime) ?? info.runStartTime;
  const jobID = uuid4();
  const prepared = await prepareScheduledRun({ schedule: input, jobID, runStart: runStart.toISOString() });
  if (!prepared) return { jobID: null, status: 'Skipped', window: null, watermark: null };
  const { jobInput } = prepared;
  const window = jobWindow(jobInput.request);

  let status: JobStatusName;
  try {
    const view = await executeChild<typeof contactExportWorkflow>('contactExportWorkflow', {
      workflowId: `${workflowIdPrefix}${jobID}`,
      args: [jobInput],
      memo: prepared.memo,
      typedSearchAttributes: jobSearchAttributes(jobInput),
      // Cancelling (or terminating) the run cancels its job, which cleans up after itself.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
    status = view.status;
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    status = err.cause instanceof CancelledFailure ? 'Cancelled' : 'Failed';
  }

  const incremental = input.definition.incremental;
  if (status === 'Done' && incremental)
    await advanceScheduleWatermark({ scheduleID: input.scheduleID, watermark: runStart.toISOString() });
  const watermark =
    incremental && status === 'Done' ? runStart.toISOString() : (window?.modifiedSince ?? null);
  return { jobID, status, window, watermark: incremental ? watermark : null };
}
