import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '../logger';
import { runMain } from '../run-main';
import { seedStore } from '../seed/seed-store';
import { connectContactStore, ensureIndexes } from '../store/mongo';
import { startMailCatcher } from './mail-catcher';
import { startProcess, WORKER_NODE_FLAGS, type ManagedProcess } from './processes';
import { devServicesOptionsFromEnv, startDevServices } from './services';

const DEV_API_KEY = 'dev-api-key';

/**
 * The signing secret of job-ended callbacks in dev: made once per data folder and kept there, so a
 * receiver set up against it keeps verifying across restarts.
 */
async function devWebhookSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'webhook-secret');
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (saved) return saved;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * npm run dev: the whole service on embedded defaults — Temporal dev server with its Web UI,
 * FerretDB, demo contacts when the store is empty, the worker and the gateway. Ctrl-C stops all.
 */
async function main(): Promise<void> {
  const logger = createLogger('dev');
  const options = devServicesOptionsFromEnv();
  const port = Number(process.env.PORT ?? 3000);
  // The Web UI decodes payloads through the gateway's codec endpoint (unauthenticated in dev only).
  const services = await startDevServices({
    ...options,
    codecEndpoint: options.codecEndpoint ?? `http://localhost:${port}/codec`,
  });
  const mailPort = Number(process.env.DEV_MAIL_PORT ?? 1025);
  const mail = process.env.SMTP_URL
    ? undefined
    : await startMailCatcher({ port: mailPort, dir: path.join(options.dataDir, 'mail') });
  const mongodbUri = process.env.MONGODB_URI ?? services.ferretdb.uriFor('contact_exports');
  const apiKeys = process.env.API_KEYS ?? DEV_API_KEY;

  const store = await connectContactStore(mongodbUri);
  await ensureIndexes(store.db);
  if ((await store.db.collection('contacts').estimatedDocumentCount()) === 0) {
    const contacts = Number(process.env.DEV_SEED_CONTACTS ?? 5000);
    logger.info({ contacts }, 'empty contact store: seeding demo data');
    await seedStore(store.db, { contacts });
  }
  await store.close();

  const webhookSecret = process.env.WEBHOOK_SECRET ?? (await devWebhookSecret(options.dataDir));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WEBHOOK_SECRET: webhookSecret,
    MONGODB_URI: mongodbUri,
    TEMPORAL_ADDRESS: services.temporal.address,
    API_KEYS: apiKeys,
    PORT: String(port),
    STORAGE_DIR: process.env.STORAGE_DIR ?? path.join(options.dataDir, 'storage'),
    STAGING_DIR: process.env.STAGING_DIR ?? path.join(options.dataDir, 'staging'),
    SMTP_URL: process.env.SMTP_URL ?? `smtp://127.0.0.1:${mailPort}`,
    METRICS_PORT: process.env.METRICS_PORT ?? '9464',
    CODEC_ALLOW_UNAUTHENTICATED: process.env.CODEC_ALLOW_UNAUTHENTICATED ?? 'true',
  };
  const dist = path.resolve(__dirname, '..');
  const children: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop()));
    await mail?.stop();
    await services.stop();
  };
  try {
    children.push(
      await startProcess({
        name: 'worker',
        command: process.execPath,
        args: [...WORKER_NODE_FLAGS, path.join(dist, 'worker.js')],
        env,
        ready: () => Promise.resolve(true),
      }),
    );
    children.push(
      await startProcess({
        name: 'api',
        command: process.execPath,
        args: [path.join(dist, 'api', 'main.js')],
        env,
        ready: async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
      }),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  const firstKey = apiKeys.split(',')[0] ?? DEV_API_KEY;
  const banner = [
    '',
    'contact-exports is running:',
    `  Jobs page        http://localhost:${port}/ui/   (API key: ${firstKey})`,
    `  API              http://localhost:${port}   (docs: http://localhost:${port}/docs/)`,
    `  Temporal Web UI  ${services.temporal.uiUrl ?? '(headless)'}`,
    `  MongoDB (wire)   ${mongodbUri}`,
    `  Emails           ${mail ? `${mail.dir} (.eml files; SMTP on 127.0.0.1:${mailPort})` : env.SMTP_URL}`,
    `  Metrics          http://localhost:${port}/metrics (gateway), http://127.0.0.1:${env.METRICS_PORT}/metrics (worker)`,
    `  CLI              npx contact-exports list --key ${firstKey}`,
    `  Callbacks        signed with WEBHOOK_SECRET=${webhookSecret}`,
    '',
    'Try an export:',
    `  curl -s -u ${firstKey}: -H 'Content-Type: application/json' \\`,
    `    -d '{"exportType":"csv","showHeader":true}' http://localhost:${port}/contactexports`,
    `  curl -s -u ${firstKey}: http://localhost:${port}/jobs/<jobID>`,
    `  curl -s -u ${firstKey}: -o export.csv http://localhost:${port}/jobs/<jobID>/download`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stderr.write(banner.join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    stopAll().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (const p of [...children, services.temporal.process, services.ferretdb.process]) {
    p.child.once('exit', (code) => {
      if (!stopping) {
        logger.error({ process: p.name, code }, 'a process exited unexpectedly; stopping the stack');
        stop('child-exit');
      }
    });
  }
}

runMain('dev', main);
