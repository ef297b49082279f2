import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { Long, MongoClient, type CommandSucceededEvent } from 'mongodb';
import { startFerretDb, type FerretDbServer } from '../../src/devstack/ferretdb';
import { freePort } from '../../src/devstack/processes';
import { seedStore } from '../../src/seed/seed-store';
import { downloadFile, storedEmails } from '../helpers/deliveries';
import { waitForJob } from '../helpers/jobs';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

const CONTACTS = 80_000;

async function exportAttempts(stack: TestStack, jobID: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(`contactexport-${jobID}`).fetchHistory();
  const scheduled = new Set(
    (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportContacts')
      .map((e) => String(e.eventId)),
  );
  return Math.max(
    0,
    ...(history.events ?? [])
      .filter(
        (e) =>
          e.activityTaskStartedEventAttributes &&
          scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)),
      )
      .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0),
  );
}

describe('the MongoDB-wire server restarts in the middle of an export', () => {
  const dataDir = path.join(testServers().runDir, uniqueId('ferret-restart'));
  let port: number;
  let ferret: FerretDbServer;
  let stack: TestStack;
  /** The export cursors the worker opened, seen through the driver's command monitoring. */
  const exportCursors: Long[] = [];

  beforeAll(async () => {
    port = await freePort();
    ferret = await startFerretDb({ port, dataDir, logFile: path.join(dataDir, 'ferretdb-1.log') });
    stack = await startTestStack({
      config: testConfig({ MONGODB_URI: ferret.uriFor('contacts'), EXPORT_BATCH_SIZE: '1000' }),
      mongoOptions: { monitorCommands: true },
    });
    stack.store.client.on('commandSucceeded', (event: CommandSucceededEvent) => {
      const reply = event.reply as { cursor?: { id?: Long | number; ns?: string } } | undefined;
      // The driver promotes the id to a number (FerretDB's ids are small); killCursors wants a long.
      if (event.commandName === 'find' && reply?.cursor?.ns?.endsWith('.contacts') && reply.cursor.id)
        exportCursors.push(Long.fromValue(reply.cursor.id));
    });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 5000 });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await ferret?.stop();
  });

  it('when the database is killed mid-export and comes back, then the activity retries from its checkpoint and every contact lands once', async () => {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      compress: true,
      fields: ['channels.email.address'],
    });
    const { job: before } = await waitForJob(
      stack,
      created.body.jobID,
      (j) => j.completedItems >= 20_000,
      180_000,
      200,
    );
    expect(before.completedItems).toBeLessThan(CONTACTS);

    await ferret.process.kill();
    await new Promise((r) => setTimeout(r, 3000));
    ferret = await startFerretDb({ port, dataDir, logFile: path.join(dataDir, 'ferretdb-2.log') });

    const { job } = await waitForJob(stack, created.body.jobID, undefined, 300_000, 500);
    expect(job.status).toBe('Done');
    expect(job.file?.rows).toBe(CONTACTS);
    expect(await exportAttempts(stack, job.jobID)).toBeGreaterThanOrEqual(2);
    const rows: string[][] = parse(gunzipSync(await downloadFile(stack, job.jobID)).toString('utf8'));
    expect(rows.map((r) => r[0])).toEqual(await storedEmails(stack.db));
    process.stderr.write(
      `mongo restart: killed at ${before.completedItems} rows; ${await exportAttempts(stack, job.jobID)} export attempts; ${rows.length} rows, no duplicates\n`,
    );
  }, 420_000);

  it('when the export cursor is killed on the server mid-read (as a cursor timeout would), then the export resumes from its checkpoint and every contact lands once', async () => {
    exportCursors.length = 0;
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      fields: ['channels.email.address'],
    });
    const { job: before } = await waitForJob(
      stack,
      created.body.jobID,
      (j) => j.completedItems >= 20_000,
      180_000,
      200,
    );
    expect(before.completedItems).toBeLessThan(CONTACTS);
    const cursor = exportCursors.at(-1);
    expect(cursor).toBeDefined();

    // Another connection, as an operator or the server's own cursor timeout would.
    const other = await MongoClient.connect(ferret.uriFor('contacts'));
    try {
      const killed = await other.db().command({ killCursors: 'contacts', cursors: [cursor] });
      expect(killed.cursorsKilled).toHaveLength(1);
    } finally {
      await other.close();
    }

    const { job } = await waitForJob(stack, created.body.jobID, undefined, 300_000, 500);
    // Whichever way the server reports the killed cursor (MongoDB: CursorNotFound, so the attempt
    // fails and the next resumes; FerretDB: an empty last batch, so the end check continues it),
    // every contact must be in the file once.
    expect(job.status).toBe('Done');
    expect(job.file?.rows).toBe(CONTACTS);
    const rows: string[][] = parse((await downloadFile(stack, job.jobID)).toString('utf8'));
    expect(rows.map((r) => r[0])).toEqual(await storedEmails(stack.db));
    process.stderr.write(
      `killCursors: killed at ${before.completedItems} rows; ${await exportAttempts(stack, job.jobID)} export attempts; ${rows.length} rows, no duplicates\n`,
    );
  }, 420_000);
});
