import type { Db } from 'mongodb';
import { collections } from './mongo';

export interface SavedAudience {
  readonly key: string;
  readonly rule: unknown;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
}

export interface AudienceView {
  readonly key: string;
  readonly rule: unknown;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

export function audienceView(doc: SavedAudience): AudienceView {
  return {
    key: doc.key,
    rule: doc.rule,
    createdAt: doc.createdAt?.toISOString() ?? null,
    updatedAt: doc.updatedAt?.toISOString() ?? null,
  };
}

export async function findAudience(db: Db, key: string): Promise<SavedAudience | undefined> {
  const doc = await db.collection<SavedAudience>(collections.audiences).findOne({ key });
  return doc
    ? { key: doc.key, rule: doc.rule, createdAt: doc.createdAt, updatedAt: doc.updatedAt }
    : undefined;
}

export async function listAudiences(db: Db): Promise<SavedAudience[]> {
  const docs = await db.collection<SavedAudience>(collections.audiences).find({}).toArray();
  return docs
    .map((d) => ({ key: d.key, rule: d.rule, createdAt: d.createdAt, updatedAt: d.updatedAt }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Creates or replaces an audience (the rule must be validated already); true when created. */
export async function putAudience(
  db: Db,
  key: string,
  rule: unknown,
): Promise<{ created: boolean; audience: SavedAudience }> {
  const now = new Date();
  const result = await db
    .collection<SavedAudience>(collections.audiences)
    .updateOne(
      { key },
      { $set: { rule, updatedAt: now }, $setOnInsert: { key, createdAt: now } },
      { upsert: true },
    );
  const audience = (await findAudience(db, key)) ?? { key, rule, createdAt: now, updatedAt: now };
  return { created: result.upsertedCount > 0, audience };
}

export async function deleteAudience(db: Db, key: string): Promise<boolean> {
  const { deletedCount } = await db.collection<SavedAudience>(collections.audiences).deleteOne({ key });
  return deletedCount > 0;
}
