import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config';
import { freePort, type ManagedProcess } from '../../src/devstack/processes';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/devstack/temporal-server';
import { seedStore } from '../../src/seed/seed-store';
import { downloadFile, storedEmails } from '../helpers/deliveries';
import { waitForJob } from '../helpers/jobs';
import { testEnv, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';

const CONTACTS = 80_000;

describe('the Temporal server stops mid-job and restarts on the same database file', () => {
  const dir = path.join(testServers().runDir, uniqueId('temporal-restart'));
  const dbFile = path.join(dir, 'temporal.db');
  let temporalPort: number;
  let temporal: TemporalDevServer;
  let stack: TestStack;
  let worker: ManagedProcess;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    temporalPort = await freePort();
    temporal = await startTemporalDevServer({
      port: temporalPort,
      dbFile,
      logFile: path.join(dir, 'temporal-1.log'),
    });
    Object.assign(env, testEnv({ TEMPORAL_ADDRESS: temporal.address, EXPORT_BATCH_SIZE: '1000' }));
    stack = await startTestStack({ worker: false, config: loadConfig(env) });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 5000 });
    worker = await startWorkerProcess(env, 'worker-temporal-restart');
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
    await temporal?.stop();
  });

  it('when Temporal is down for a while mid-export, then the job still ends Done with every contact once', async () => {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      fields: ['channels.email.address'],
    });
    const { job: before } = await waitForJob(
      stack,
      created.body.jobID,
      (j) => j.completedItems >= 10_000,
      180_000,
      200,
    );
    expect(before.completedItems).toBeLessThan(CONTACTS);

    await temporal.stop();
    await new Promise((r) => setTimeout(r, 5000));
    temporal = await startTemporalDevServer({
      port: temporalPort,
      dbFile,
      logFile: path.join(dir, 'temporal-2.log'),
    });

    const { job } = await waitForJob(stack, created.body.jobID, undefined, 240_000, 500);
    expect(job.status).toBe('Done');
    expect(job.file?.rows).toBe(CONTACTS);
    const rows: string[][] = parse(await downloadFile(stack, job.jobID));
    const emails = rows.map((r) => r[0]);
    expect(emails).toEqual(await storedEmails(stack.db));
    process.stderr.write(
      `temporal restart: stopped at ${before.completedItems} rows, job ended ${job.status} with ${job.file?.rows} rows\n`,
    );
  }, 420_000);
});
