import { planExport } from '../src/export/plan';
import type { ExportJobInput, ExportPlan } from '../src/jobs/types';
import type { ActivityDeps } from './deps';

export function createPlanActivities(deps: ActivityDeps) {
  return {
    /** Resolves columns, audience and file name against the contact store. */
    async planExport(input: Pick<ExportJobInput, 'request' | 'jobName'>): Promise<ExportPlan> {
      return planExport(deps.db, input.request, input.jobName, new Date());
    },

    /** A local activity at the end of every job: counts it in this worker's metrics. */
    recordJobEnded(input: { status: string; destination: string }): Promise<void> {
      deps.metrics.jobsEnded.inc(input);
      return Promise.resolve();
    },

    /** Runs on the shared queue; whichever worker takes it hosts the export and the upload. */
    async claimExportHost(): Promise<{ hostId: string; taskQueue: string }> {
      return Promise.resolve({ hostId: deps.host.id, taskQueue: deps.host.taskQueue });
    },
  };
}
