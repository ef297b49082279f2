import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';

export function purgeScheduleId(config: Config): string {
  return `purge-expired-exports-${config.temporal.taskQueue}`;
}

/**
 * Ensures the Temporal Schedule that purges expired internal-storage files exists, running every
 * PURGE_INTERVAL (every worker calls this at start; the first creates it, the others find it).
 */
export async function ensurePurgeSchedule(client: Client, config: Config, logger: Logger): Promise<void> {
  const scheduleId = purgeScheduleId(config);
  const spec = { intervals: [{ every: config.purgeIntervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'purgeExpiredExportsWorkflow',
    taskQueue: config.temporal.taskQueue,
    workflowId: `${scheduleId}-run`,
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    logger.info({ scheduleId, everyMs: config.purgeIntervalMs }, 'purge schedule created');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec }));
  }
}
