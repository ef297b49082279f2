import type { Db } from 'mongodb';
import { MongoServerError } from 'mongodb';
import { utils } from 'ssh2';
import { seal, unseal, type Keyring } from '../crypto/keyring';
import { ConflictError } from '../errors';
import { collections } from './mongo';

interface SftpKeyDoc {
  readonly name: string;
  readonly publicKey: string;
  /** The OpenSSH private key, AES-256-GCM sealed with ENCRYPTION_KEYS (name as associated data). */
  readonly sealedPrivateKey: string;
  readonly algorithm: string;
  /** The partner server's host key (SHA256:…), pinned for every upload with this key. */
  readonly hostKeyFingerprint?: string;
  readonly createdAt: Date;
}

export interface SftpKeyInfo {
  readonly name: string;
  readonly publicKey: string;
  readonly algorithm: string;
  readonly hostKeyFingerprint: string | null;
  readonly createdAt: string;
}

function info(doc: SftpKeyDoc): SftpKeyInfo {
  return {
    name: doc.name,
    publicKey: doc.publicKey,
    algorithm: doc.algorithm,
    hostKeyFingerprint: doc.hostKeyFingerprint ?? null,
    createdAt: doc.createdAt.toISOString(),
  };
}

/**
 * Generates an Ed25519 key pair (Cordial's Secrets Vault): the private key is sealed at rest, the
 * OpenSSH public key is returned for the partner's authorized_keys.
 */
export async function createSftpKey(
  db: Db,
  keyring: Keyring,
  name: string,
  hostKeyFingerprint?: string,
): Promise<SftpKeyInfo> {
  const pair = utils.generateKeyPairSync('ed25519', { comment: `contact-exports:${name}` });
  const doc: SftpKeyDoc = {
    name,
    publicKey: pair.public.trim(),
    sealedPrivateKey: seal(keyring, Buffer.from(pair.private), `sftpkey:${name}`),
    algorithm: 'ssh-ed25519',
    ...(hostKeyFingerprint ? { hostKeyFingerprint } : {}),
    createdAt: new Date(),
  };
  try {
    await db.collection<SftpKeyDoc>(collections.sftpKeys).insertOne({ ...doc });
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000)
      throw new ConflictError(`an SFTP key named "${name}" already exists`);
    throw err;
  }
  return info(doc);
}

export async function listSftpKeys(db: Db): Promise<SftpKeyInfo[]> {
  const docs = await db
    .collection<SftpKeyDoc>(collections.sftpKeys)
    .find({}, { projection: { sealedPrivateKey: 0 } })
    .toArray();
  return docs.map(info).sort((a, b) => a.name.localeCompare(b.name));
}

export async function sftpKeyExists(db: Db, name: string): Promise<boolean> {
  return (await db.collection<SftpKeyDoc>(collections.sftpKeys).countDocuments({ name }, { limit: 1 })) > 0;
}

/** A saved key's public facts (no private key), or undefined. */
export async function findSftpKey(db: Db, name: string): Promise<SftpKeyInfo | undefined> {
  const doc = await db
    .collection<SftpKeyDoc>(collections.sftpKeys)
    .findOne({ name }, { projection: { sealedPrivateKey: 0 } });
  return doc ? info(doc) : undefined;
}

/** Pins (or with null unpins) the partner server's host key on a saved key; false if no such key. */
export async function setSftpKeyPin(
  db: Db,
  name: string,
  hostKeyFingerprint: string | null,
): Promise<boolean> {
  const keys = db.collection<SftpKeyDoc>(collections.sftpKeys);
  const { matchedCount } = hostKeyFingerprint
    ? await keys.updateOne({ name }, { $set: { hostKeyFingerprint } })
    : await keys.updateOne({ name }, { $unset: { hostKeyFingerprint: true } });
  return matchedCount > 0;
}

/** The private key for an SFTP login and its pinned host key; only the worker calls this, at upload time. */
export async function loadSftpPrivateKey(
  db: Db,
  keyring: Keyring,
  name: string,
): Promise<{ privateKey: string; hostKeyFingerprint?: string } | undefined> {
  const doc = await db.collection<SftpKeyDoc>(collections.sftpKeys).findOne({ name });
  if (!doc) return undefined;
  return {
    privateKey: unseal(keyring, doc.sealedPrivateKey, `sftpkey:${name}`).toString('utf8'),
    ...(doc.hostKeyFingerprint ? { hostKeyFingerprint: doc.hostKeyFingerprint } : {}),
  };
}

export async function deleteSftpKey(db: Db, name: string): Promise<boolean> {
  const { deletedCount } = await db.collection<SftpKeyDoc>(collections.sftpKeys).deleteOne({ name });
  return deletedCount > 0;
}
