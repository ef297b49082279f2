import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { runMain } from '../run-main';
import { createApiKey, revokeApiKey } from '../store/api-keys';
import { connectContactStore, ensureIndexes } from '../store/mongo';

/**
 * npm run apikeys -- create --name NAME   prints a new key once; only its SHA-256 is stored
 * npm run apikeys -- revoke --owner key_…   removes a stored key by its public ID
 */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, owner: { type: 'string' } },
  });
  const config = loadConfig();
  const store = await connectContactStore(config.mongodbUri);
  try {
    await ensureIndexes(store.db);
    switch (positionals[0]) {
      case 'create': {
        if (!values.name) throw new Error('--name is required');
        const { key, owner } = await createApiKey(store.db, values.name);
        process.stdout.write(`${JSON.stringify({ key, owner, name: values.name })}\n`);
        process.stderr.write('Store this key now: it is not kept and cannot be shown again.\n');
        break;
      }
      case 'revoke': {
        if (!values.owner) throw new Error('--owner is required');
        const removed = await revokeApiKey(store.db, values.owner);
        process.stdout.write(`${JSON.stringify({ owner: values.owner, revoked: removed })}\n`);
        break;
      }
      default:
        throw new Error('usage: apikeys create --name NAME | apikeys revoke --owner key_…');
    }
  } finally {
    await store.close();
  }
}

runMain('apikeys', main);
