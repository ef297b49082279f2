import type { Db } from 'mongodb';
import { collections } from './mongo';

/**
 * What an export schedule keeps outside Temporal: its incremental watermark. The schedule itself
 * (timing, export, owner) lives in the Temporal Schedule; this record exists from the schedule's
 * creation to its deletion, keyed by scheduleID.
 */
interface ScheduleStateDoc {
  readonly _id: string;
  readonly owner: string;
  /** Everything modified before this instant has been delivered by a Done run (null: nothing yet). */
  readonly watermark: Date | null;
  readonly createdAt: Date;
}

function states(db: Db) {
  return db.collection<ScheduleStateDoc>(collections.exportSchedules);
}

export async function createScheduleState(db: Db, scheduleID: string, owner: string): Promise<void> {
  await states(db).insertOne({ _id: scheduleID, owner, watermark: null, createdAt: new Date() });
}

/** The schedule's watermark: null before its first Done incremental run, undefined when deleted. */
export async function readWatermark(db: Db, scheduleID: string): Promise<Date | null | undefined> {
  const doc = await states(db).findOne({ _id: scheduleID });
  return doc ? doc.watermark : undefined;
}

export async function readWatermarks(
  db: Db,
  scheduleIDs: readonly string[],
): Promise<Map<string, Date | null>> {
  if (scheduleIDs.length === 0) return new Map();
  const docs = await states(db)
    .find({ _id: { $in: [...scheduleIDs] } })
    .toArray();
  return new Map(docs.map((doc) => [doc._id, doc.watermark]));
}

/**
 * Moves the watermark forward to `to`, never back: a retried or late call for an older run
 * changes nothing. Returns whether it moved.
 */
export async function advanceWatermark(db: Db, scheduleID: string, to: Date): Promise<boolean> {
  const result = await states(db).updateOne(
    { _id: scheduleID, $or: [{ watermark: null }, { watermark: { $lt: to } }] },
    { $set: { watermark: to } },
  );
  return result.modifiedCount > 0;
}

export async function deleteScheduleState(db: Db, scheduleID: string): Promise<void> {
  await states(db).deleteOne({ _id: scheduleID });
}

/** Where a page of an owner's schedules starts: after this one (creation order, then ID). */
export interface SchedulePageStart {
  readonly createdAt: Date;
  readonly scheduleID: string;
}

/** One page of the owner's schedule IDs, oldest first, and whether more follow. */
export async function pageScheduleIds(
  db: Db,
  owner: string,
  options: { readonly after?: SchedulePageStart; readonly limit: number },
): Promise<{ ids: { scheduleID: string; createdAt: Date }[]; more: boolean }> {
  const { after } = options;
  const docs = await states(db)
    .find(
      after
        ? {
            owner,
            $or: [
              { createdAt: { $gt: after.createdAt } },
              { createdAt: after.createdAt, _id: { $gt: after.scheduleID } },
            ],
          }
        : { owner },
      { projection: { _id: 1, createdAt: 1 }, sort: { createdAt: 1, _id: 1 }, limit: options.limit + 1 },
    )
    .toArray();
  return {
    ids: docs.slice(0, options.limit).map((d) => ({ scheduleID: d._id, createdAt: d.createdAt })),
    more: docs.length > options.limit,
  };
}
