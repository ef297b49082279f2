import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ExportProgress, JobView } from './contract';

/** Live job status (GET /jobs/{jobID} while the job runs). */
export const statusQuery = defineQuery<JobView>('status');

/** Sent by the export and upload activities, throttled, so the status query shows progress. */
export const progressSignal = defineSignal<[ExportProgress]>('progress');

export const workflowIdPrefix = 'contactexport-';
