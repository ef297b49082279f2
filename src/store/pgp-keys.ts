import type { Db } from 'mongodb';
import type { PgpKeyInfo } from '../crypto/pgp';
import { collections } from './mongo';

/** A saved OpenPGP public key of one API key (never a private key: those are refused). */
interface PgpKeyDoc extends PgpKeyInfo {
  readonly owner: string;
  readonly name: string;
  readonly publicKey: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SavedPgpKey extends PgpKeyInfo {
  readonly name: string;
  readonly publicKey: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function keys(db: Db) {
  return db.collection<PgpKeyDoc>(collections.pgpKeys);
}

function view(doc: PgpKeyDoc): SavedPgpKey {
  return {
    name: doc.name,
    fingerprint: doc.fingerprint,
    userIDs: doc.userIDs,
    algorithm: doc.algorithm,
    expiresAt: doc.expiresAt,
    publicKey: doc.publicKey,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** PUT: creates or replaces the owner's key of that name; says which. */
export async function putPgpKey(
  db: Db,
  owner: string,
  name: string,
  publicKey: string,
  info: PgpKeyInfo,
): Promise<{ key: SavedPgpKey; created: boolean }> {
  const now = new Date();
  const result = await keys(db).findOneAndUpdate(
    { owner, name },
    {
      $set: { ...info, userIDs: [...info.userIDs], publicKey, updatedAt: now },
      $setOnInsert: { owner, name, createdAt: now },
    },
    { upsert: true, returnDocument: 'after', includeResultMetadata: true },
  );
  if (!result.value) throw new Error(`PGP key "${name}" was not saved`);
  return { key: view(result.value), created: !result.lastErrorObject?.updatedExisting };
}

export async function findPgpKey(db: Db, owner: string, name: string): Promise<SavedPgpKey | undefined> {
  const doc = await keys(db).findOne({ owner, name });
  return doc ? view(doc) : undefined;
}

export async function listPgpKeys(db: Db, owner: string): Promise<SavedPgpKey[]> {
  const docs = await keys(db).find({ owner }).toArray();
  return docs.map(view).sort((a, b) => a.name.localeCompare(b.name));
}

export async function deletePgpKey(db: Db, owner: string, name: string): Promise<boolean> {
  return (await keys(db).deleteOne({ owner, name })).deletedCount > 0;
}
