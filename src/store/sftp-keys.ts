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
  readonly createdAt: Date;
}

export interface SftpKeyInfo {
  readonly name: string;
  readonly publicKey: string;
  readonly algorithm: string;
  readonly createdAt: string;
}

function info(doc: SftpKeyDoc): SftpKeyInfo {
  return {
    name: doc.name,
    publicKey: doc.publicKey,
    algorithm: doc.algorithm,
    createdAt: doc.createdAt.toISOString(),
  };
}

/**
 * Generates an Ed25519 key pair (Cordial's Secrets Vault): the private key is sealed at rest, the
 * OpenSSH public key is returned for the partner's authorized_keys.
 */
export async function createSftpKey(db: Db, keyring: Keyring, name: string): Promise<SftpKeyInfo> {
  const pair = utils.generateKeyPairSync('ed25519', { comment: `contact-exports:${name}` });
  const doc: SftpKeyDoc = {
    name,
    publicKey: pair.public.trim(),
    sealedPrivateKey: seal(keyring, Buffer.from(pair.private), `sftpkey:${name}`),
    algorithm: 'ssh-ed25519',
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

/** The private key for an SFTP login; only the worker calls this, at upload time. */
export async function loadSftpPrivateKey(
  db: Db,
  keyring: Keyring,
  name: string,
): Promise<string | undefined> {
  const doc = await db.collection<SftpKeyDoc>(collections.sftpKeys).findOne({ name });
  return doc ? unseal(keyring, doc.sealedPrivateKey, `sftpkey:${name}`).toString('utf8') : undefined;
}

export async function deleteSftpKey(db: Db, name: string): Promise<boolean> {
  const { deletedCount } = await db.collection<SftpKeyDoc>(collections.sftpKeys).deleteOne({ name });
  return deletedCount > 0;
}
