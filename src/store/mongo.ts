import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';

export interface ContactStore {
  readonly client: MongoClient;
  readonly db: Db;
  close(): Promise<void>;
}

/**
 * Connects to the contact store named by MONGODB_URI (database name included). Works with MongoDB
 * and with FerretDB, the embedded default; nothing here relies on FerretDB specifics.
 */
export async function connectContactStore(
  uri: string,
  options: MongoClientOptions = {},
): Promise<ContactStore> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 10_000,
    // Exports hold one long cursor; keep the socket patient with slow servers (FerretDB sorts in memory).
    socketTimeoutMS: 0,
    appName: 'contact-exports',
    ...options,
  });
  await client.connect();
  return { client, db: client.db(), close: () => client.close() };
}

export const collections = {
  contacts: 'contacts',
  lists: 'lists',
  attributes: 'contactattributes',
  audiences: 'audiences',
  sftpKeys: 'sftpkeys',
  apiKeys: 'apikeys',
  exportSchedules: 'exportschedules',
  pgpKeys: 'pgpkeys',
} as const;

/** Creates the indexes the service relies on; cheap and idempotent, run at start-up. */
export async function ensureIndexes(db: Db): Promise<void> {
  await db.collection(collections.lists).createIndex({ id: 1 }, { unique: true });
  await db.collection(collections.lists).createIndex({ name: 1 }, { unique: true });
  await db.collection(collections.attributes).createIndex({ key: 1 }, { unique: true });
  await db.collection(collections.audiences).createIndex({ key: 1 }, { unique: true });
  await db.collection(collections.sftpKeys).createIndex({ name: 1 }, { unique: true });
  await db.collection(collections.apiKeys).createIndex({ hash: 1 }, { unique: true });
  await db.collection(collections.pgpKeys).createIndex({ owner: 1, name: 1 }, { unique: true });
}
