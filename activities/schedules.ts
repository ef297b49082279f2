import { randomUUID } from 'node:crypto';
import { jobMemo, jobTuning } from '../src/jobs/start-job';
import { runStamp } from '../src/schedules/timing';
import { advanceWatermark, readWatermark } from '../src/store/export-schedules';
import type { ExportJobInput, PreparedScheduledRun, ScheduledExportInput } from '../workflows/contract';
import type { ActivityDeps } from './deps';

export function createScheduleActivities(deps: ActivityDeps) {
  return {
    /**
     * Turns one run of an export schedule into an ordinary job's input: a name unique per run
     * (`{name}-{runStamp}`), and for incremental schedules the window [watermark, run start).
     * Null when the schedule was deleted before its run began.
     */
    async prepareScheduledRun(input: {
      schedule: ScheduledExportInput;
      jobID: string;
      runStart: string;
    }): Promise<PreparedScheduledRun | null> {
      const { schedule, jobID } = input;
      const watermark = await readWatermark(deps.db, schedule.scheduleID);
      if (watermark === undefined) return null;
      const runStart = new Date(input.runStart);
      const request = schedule.definition.incremental
        ? {
            ...schedule.request,
            modifiedSince: watermark?.toISOString(),
            modifiedBefore: runStart.toISOString(),
          }
        : schedule.request;
      const jobInput: ExportJobInput = {
        jobID,
        jobName: `${schedule.request.name ?? schedule.definition.name}-${runStamp(runStart)}`,
        owner: schedule.owner,
        request,
        tuning: jobTuning(deps.config, request),
        scheduleID: schedule.scheduleID,
      };
      return { jobInput, memo: { ...jobMemo(deps.config, jobInput, randomUUID()) } };
    },

    /** After a Done incremental run: what it covered is delivered; the next run starts there. */
    async advanceScheduleWatermark(input: { scheduleID: string; watermark: string }): Promise<boolean> {
      return advanceWatermark(deps.db, input.scheduleID, new Date(input.watermark));
    },
  };
}
