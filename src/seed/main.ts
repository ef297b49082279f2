import { parseArgs } from 'node:util';
import { progressBar } from '../cli/progress-bar';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { runMain } from '../run-main';
import { connectContactStore, ensureIndexes } from '../store/mongo';
import { retryUntil } from '../temporal/connect';
import { seedStore } from './seed-store';

/** npm run seed -- --contacts N [--reset] [--if-empty] */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      contacts: { type: 'string', default: '1000' },
      reset: { type: 'boolean', default: false },
      'if-empty': { type: 'boolean', default: false },
      seed: { type: 'string', default: '42' },
    },
  });
  const contacts = Number(values.contacts);
  if (!Number.isInteger(contacts) || contacts < 0)
    throw new Error(`--contacts: expected a whole number, got "${values.contacts}"`);
  const config = loadConfig();
  const logger = createLogger('seed', config.logLevel);
  const store = await retryUntil('MongoDB', () => connectContactStore(config.mongodbUri));
  try {
    await ensureIndexes(store.db);
    if (values['if-empty'] && (await store.db.collection('contacts').estimatedDocumentCount()) > 0) {
      logger.info('contacts already present; not seeding');
      return;
    }
    const started = Date.now();
    const result = await seedStore(store.db, {
      contacts,
      reset: values.reset,
      seed: Number(values.seed),
      onProgress: progressBar('seeding contacts'),
    });
    logger.info({ ...result, seconds: (Date.now() - started) / 1000 }, 'demo data seeded');
  } finally {
    await store.close();
  }
}

runMain('seed', main);
