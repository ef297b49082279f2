import { createHash, randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { collections } from './mongo';

interface ApiKeyDoc {
  readonly hash: string;
  readonly owner: string;
  readonly name: string;
  readonly createdAt: Date;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The public ID of an API key: who owns a job, never the key itself. */
export function ownerIdFor(key: string): string {
  return `key_${sha256Hex(key).slice(0, 16)}`;
}

/** Creates a key, stores only its SHA-256 digest, and returns the key (shown once). */
export async function createApiKey(db: Db, name: string): Promise<{ key: string; owner: string }> {
  const key = `ce_${randomBytes(24).toString('base64url')}`;
  const owner = ownerIdFor(key);
  await db
    .collection<ApiKeyDoc>(collections.apiKeys)
    .insertOne({ hash: sha256Hex(key), owner, name, createdAt: new Date() });
  return { key, owner };
}

/**
 * Looks a presented key up by its digest. The lookup compares digests, not keys, so its timing
 * says nothing useful about the key.
 */
export async function findApiKeyOwner(db: Db, key: string): Promise<string | undefined> {
  const doc = await db.collection<ApiKeyDoc>(collections.apiKeys).findOne({ hash: sha256Hex(key) });
  return doc?.owner;
}

export async function revokeApiKey(db: Db, owner: string): Promise<boolean> {
  const { deletedCount } = await db.collection<ApiKeyDoc>(collections.apiKeys).deleteMany({ owner });
  return deletedCount > 0;
}
