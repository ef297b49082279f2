import { proxyActivities } from '@temporalio/workflow';
import type { SharedActivities } from '../activities';

const { purgeExpiredFiles } = proxyActivities<SharedActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumAttempts: 5 },
});

/** Run by a Temporal Schedule: removes internal-storage files older than the retention. */
export async function purgeExpiredExportsWorkflow(): Promise<{ removed: number }> {
  return purgeExpiredFiles();
}
