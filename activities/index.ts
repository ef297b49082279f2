import type { ActivityDeps } from './deps';
import { createCallbackActivities } from './callbacks';
import { createDeliverActivities } from './deliver';
import { createExportActivities } from './export';
import { withFailureMapping } from './failures';
import { createPlanActivities } from './plan';
import { createJoinActivities, createPartitionActivities } from './partitions';
import { createNotifyActivities } from './notify';
import { createPurgeActivities } from './purge';
import { createScheduleActivities } from './schedules';
import { createInternalStorage } from '../src/storage/create';

type AsyncFns = Record<string, (...args: never[]) => Promise<unknown>>;

function mapped<T extends AsyncFns>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      withFailureMapping(fn as (...args: unknown[]) => Promise<unknown>),
    ]),
  ) as unknown as T;
}

/** Activities on the shared task queue: whichever worker polls it first runs them. */
export function createSharedActivities(deps: ActivityDeps) {
  return mapped({
    ...createPlanActivities(deps),
    ...createPurgeActivities(deps, createInternalStorage(deps.config)),
    ...createNotifyActivities(deps.mailer),
    ...createPartitionActivities(deps, createInternalStorage(deps.config)),
    ...createScheduleActivities(deps),
    ...createCallbackActivities(deps),
  });
}

/** Activities on a host's own task queue: they read and write that host's staging disk. */
export function createHostActivities(deps: ActivityDeps) {
  return mapped({
    ...createExportActivities(deps),
    ...createDeliverActivities(deps),
    ...createJoinActivities(deps, createInternalStorage(deps.config)),
  });
}

export type SharedActivities = ReturnType<typeof createSharedActivities>;
export type HostActivities = ReturnType<typeof createHostActivities>;
export type { ActivityDeps };
