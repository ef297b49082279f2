import type { Db } from 'mongodb';
import { collections } from './mongo';

export interface SavedAudience {
  readonly key: string;
  readonly rule: unknown;
}

export async function findAudience(db: Db, key: string): Promise<SavedAudience | undefined> {
  const doc = await db.collection<SavedAudience>(collections.audiences).findOne({ key });
  return doc ? { key: doc.key, rule: doc.rule } : undefined;
}
