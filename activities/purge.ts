import { Context } from '@temporalio/activity';
import type { InternalStorage } from '../src/storage/internal-storage';
import type { ActivityDeps } from './deps';

export function createPurgeActivities(deps: ActivityDeps, storage: InternalStorage) {
  return {
    /** Deletes internal-storage files stored longer ago than STORAGE_RETENTION. */
    async purgeExpiredFiles(): Promise<{ removed: number }> {
      const ctx = Context.current();
      const cutoff = new Date(Date.now() - deps.config.storageRetentionMs);
      const expired = await storage.listStoredBefore(cutoff);
      for (const [i, key] of expired.entries()) {
        await storage.remove(key);
        ctx.heartbeat({ removed: i + 1 });
      }
      if (expired.length > 0)
        ctx.log.info('expired export files purged', {
          removed: expired.length,
          cutoff: cutoff.toISOString(),
        });
      return { removed: expired.length };
    },
  };
}
