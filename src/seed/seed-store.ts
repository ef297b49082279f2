import type { Db } from 'mongodb';
import { collections } from '../store/mongo';
import { demoAttributes, demoAudiences, demoContact, demoLists, randomSource } from './demo-data';

export interface SeedOptions {
  /** Make the contacts collection hold at least this many contacts. */
  readonly contacts: number;
  /** Drop existing contacts first. */
  readonly reset?: boolean;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Upserts the demo schema (attributes, lists, audiences) and tops contacts up to the asked count. */
export async function seedStore(db: Db, options: SeedOptions): Promise<{ inserted: number; total: number }> {
  const now = Date.now();
  for (const [position, attribute] of demoAttributes.entries()) {
    await db
      .collection(collections.attributes)
      .updateOne({ key: attribute.key }, { $set: { ...attribute, position } }, { upsert: true });
  }
  for (const list of demoLists) {
    await db.collection(collections.lists).updateOne({ id: list.id }, { $set: list }, { upsert: true });
  }
  for (const audience of demoAudiences) {
    await db.collection(collections.audiences).updateOne(
      { key: audience.key },
      {
        $set: { rule: audience.rule, updatedAt: new Date(now) },
        $setOnInsert: { createdAt: new Date(now) },
      },
      { upsert: true },
    );
  }
  const contacts = db.collection(collections.contacts);
  if (options.reset) await contacts.deleteMany({});
  const existing = options.reset ? 0 : await contacts.countDocuments({});
  const toInsert = Math.max(0, options.contacts - existing);
  const rand = randomSource((options.seed ?? 42) + existing);
  const batchSize = options.batchSize ?? 1000;
  for (let done = 0; done < toInsert;) {
    const n = Math.min(batchSize, toInsert - done);
    const batch = Array.from({ length: n }, (_, i) => demoContact(existing + done + i, rand, now));
    await contacts.insertMany(batch, { ordered: false });
    done += n;
    options.onProgress?.(done, toInsert);
  }
  return { inserted: toInsert, total: existing + toInsert };
}
