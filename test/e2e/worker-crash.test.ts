import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config';
import type { ManagedProcess } from '../../src/devstack/processes';
import { splitStagingPath } from '../../src/export/staging-file';
import { decodeHeartbeat, liveProgress } from '../../src/jobs/live-progress';
import { stagingPath } from '../../src/jobs/naming';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { downloadFile, fetchLocation } from '../helpers/deliveries';
import { waitForJob } from '../helpers/jobs';
import { testEnv } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';

const CONTACTS = 120_000;
/** The split job's files: 6 of 20,000 rows. */
const SPLIT_ROWS = 20_000;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
/** Events in a Done job's history, whatever its size or duration (41 for a plain CSV job). */
const HISTORY_BOUND = 60;
/** What one progress signal cost in the old design: the signal and a workflow task (3 events). */
const EVENTS_PER_SIGNAL = 4;

/** Attempt numbers of the exportContacts activity, from the workflow's history. */
async function exportAttempts(stack: TestStack, jobID: string): Promise<number[]> {
  const history = await stack.client.workflow.getHandle(`contactexport-${jobID}`).fetchHistory();
  const scheduled = new Set(
    (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportContacts')
      .map((e) => String(e.eventId)),
  );
  return (history.events ?? [])
    .filter(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)),
    )
    .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
}

describe('exactly once across a worker crash: SIGKILL in the middle of 120,000-contact exports', () => {
  // Progress every 100 ms: at 10 reports a second, signals would have flooded the history.
  const env = testEnv({ EXPORT_BATCH_SIZE: '2000', PROGRESS_INTERVAL: '100ms' });
  let stack: TestStack;
  let worker: ManagedProcess | undefined;
  let emailsInIdOrder: string[];
  const ended: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ worker: false, config: loadConfig(env) });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 5000 });
    const docs = await stack.db
      .collection('contacts')
      .find({}, { projection: { 'channels.email.address': 1 }, sort: { _id: 1 } })
      .toArray();
    emailsInIdOrder = docs.map((d) => (d.channels as { email: { address: string } }).email.address);
    // Seeding 120,000 contacts into the one FerretDB every suite shares takes 2-5 minutes, more
    // when another heavy suite runs beside it (CI saw 300 s once).
  }, 600_000);

  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  it('when the worker is killed mid-export and a new one starts, then CSV, gzip and split-file jobs end Done with every contact once, in _id order, and finished files unchanged', async () => {
    worker = await startWorkerProcess(env, 'worker-before-crash');
    const start = async (body: Record<string, unknown>): Promise<string> => {
      const res = await stack.request<{ jobID: string }>('POST', '/contactexports', body);
      expect(res.status).toBe(202);
      return res.body.jobID;
    };
    const csvJob = await start({
      exportType: 'csv',
      showHeader: true,
      fields: ['channels.email.address', 'first_name'],
      name: 'crash-csv',
    });
    const gzJob = await start({
      exportType: 'csv',
      compress: true,
      fields: ['channels.email.address', 'first_name'],
      name: 'crash-gz',
    });
    const splitJob = await start({
      exportType: 'csv',
      compress: true,
      showHeader: true,
      fields: ['channels.email.address', 'first_name'],
      name: 'crash-split',
      maxRowsPerFile: SPLIT_ROWS,
    });

    // Wait until Temporal has *recorded* a checkpoint well into both files (heartbeats are
    // throttled, so the worker's own progress runs ahead of it), then kill without warning.
    const recorded = async (jobID: string): Promise<number> => {
      for (const deadline = Date.now() + 240_000; Date.now() < deadline;) {
        const description = await stack.client.workflow.getHandle(`contactexport-${jobID}`).describe();
        const rows = (await liveProgress(stack.client, description))?.rows ?? 0;
        if (rows >= 30_000) return rows;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`no checkpoint past 30,000 rows recorded for ${jobID}`);
    };
    const checkpoints = await Promise.all([recorded(csvJob), recorded(gzJob), recorded(splitJob)]);
    // The split job's files the recorded checkpoint calls finished: what they hold at the kill.
    const splitDescription = await stack.client.workflow.getHandle(`contactexport-${splitJob}`).describe();
    const splitExport = (splitDescription.raw.pendingActivities ?? []).find(
      (p) => p.activityType?.name === 'exportContacts',
    );
    const heartbeat = splitExport
      ? ((await decodeHeartbeat(stack.client, splitExport)) as { files?: { rows: number; bytes: number }[] })
      : {};
    await worker.kill();
    const finishedAtKill = (heartbeat.files ?? []).map((_, i) =>
      sha256(readFileSync(splitStagingPath(stagingPath(loadConfig(env).stagingDir, splitJob), i + 1))),
    );
    expect(finishedAtKill.length).toBeGreaterThanOrEqual(1);
    const logBefore = worker.logFile;

    // While no worker runs, the job still shows how far it got (the recorded checkpoint).
    const whileDown = await Promise.all(
      [csvJob, gzJob, splitJob].map(async (id) => (await stack.request<JobView>('GET', `/jobs/${id}`)).body),
    );
    whileDown.forEach((job, i) => {
      expect(job.status).toBe('Processing');
      expect(job.completedItems).toBeGreaterThanOrEqual(checkpoints[i] ?? Infinity);
      expect(job.completedItems).toBeLessThan(CONTACTS);
      expect(job.totalItems).toBe(CONTACTS);
    });
    process.stderr.write(
      `worker killed with ${whileDown.map((j) => `${j.jobName} at ${j.completedItems} rows`).join(', ')}\n`,
    );

    worker = await startWorkerProcess(env, 'worker-after-crash');
    const [csvDone, gzDone, splitDone] = await Promise.all([
      waitForJob(stack, csvJob, undefined, 480_000, 500),
      waitForJob(stack, gzJob, undefined, 480_000, 500),
      waitForJob(stack, splitJob, undefined, 480_000, 500),
    ]);

    for (const { job } of [csvDone, gzDone]) {
      expect(job.status).toBe('Done');
      expect(job.file?.rows).toBe(CONTACTS);
      expect(job.completedItems).toBe(CONTACTS);
    }

    const csvRows: string[][] = parse((await downloadFile(stack, csvJob)).toString('utf8'));
    expect(csvRows[0]).toEqual(['channels.email.address', 'first_name']);
    const gzText = execFileSync('gunzip', ['-c'], {
      input: await downloadFile(stack, gzJob),
      maxBuffer: 512 * 1024 * 1024,
    }).toString('utf8');
    const gzRows: string[][] = parse(gzText);
    for (const rows of [csvRows.slice(1), gzRows]) {
      expect(rows).toHaveLength(CONTACTS);
      const emails = rows.map((r) => r[0]);
      expect(new Set(emails).size).toBe(CONTACTS);
      expect(emails).toEqual(emailsInIdOrder);
    }

    // The split job: the files finished before the kill are delivered byte for byte as they were,
    // and across all its files every contact is there once, in order.
    const split = splitDone.job;
    expect(split.status).toBe('Done');
    expect(split.files).toHaveLength(CONTACTS / SPLIT_ROWS);
    expect(split.files?.slice(0, finishedAtKill.length).map((f) => f.sha256)).toEqual(finishedAtKill);
    const splitEmails: string[] = [];
    for (const file of split.files ?? []) {
      const got = await fetchLocation(stack, file.location);
      expect(sha256(got.bytes)).toBe(file.sha256);
      const rows: string[][] = parse(
        execFileSync('gunzip', ['-c'], { input: got.bytes, maxBuffer: 256 * 1024 * 1024 }).toString('utf8'),
      );
      expect(rows[0]).toEqual(['channels.email.address', 'first_name']);
      expect(rows.length - 1).toBe(SPLIT_ROWS);
      splitEmails.push(...rows.slice(1).map((r) => r[0] ?? ''));
    }
    expect(splitEmails).toEqual(emailsInIdOrder);

    // It resumed (it did not quietly start over): a second attempt, on the checkpoint.
    for (const jobID of [csvJob, gzJob, splitJob])
      expect(Math.max(...(await exportAttempts(stack, jobID)))).toBeGreaterThanOrEqual(2);
    const resumedFrom = readFileSync(worker.logFile ?? '', 'utf8')
      .split('\n')
      .filter((l) => l.includes('"export starting"'))
      .map((l) => JSON.parse(l) as { jobID: string; resumeFromRows: number });
    [csvJob, gzJob, splitJob].forEach((jobID, i) => {
      expect(resumedFrom.find((l) => l.jobID === jobID)?.resumeFromRows).toBeGreaterThanOrEqual(
        checkpoints[i] ?? Infinity,
      );
    });
    expect(logBefore).not.toBe(worker.logFile);
    ended.push(csvJob, gzJob);
  }, 900_000);

  it('when progress is reported every 100 ms through minutes of export, then the history stays under a fixed bound that progress signals would have exceeded many times over', async () => {
    expect(ended).toHaveLength(2);
    for (const jobID of ended) {
      const events =
        (await stack.client.workflow.getHandle(`contactexport-${jobID}`).fetchHistory()).events ?? [];
      const seconds = (e: (typeof events)[number] | undefined): number =>
        Number(e?.eventTime?.seconds ?? 0) + (e?.eventTime?.nanos ?? 0) / 1e9;
      const scheduled = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportContacts',
      );
      const completed = events.find(
        (e) =>
          String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
      );
      const exportSeconds = seconds(completed) - seconds(scheduled);
      const signalDesign = Math.floor(exportSeconds / 0.1) * EVENTS_PER_SIGNAL;
      process.stderr.write(
        `history: ${events.length} events for a ${exportSeconds.toFixed(0)} s export with a crash; progress signals every 100 ms would have added about ${signalDesign}\n`,
      );
      expect(events.length).toBeLessThanOrEqual(HISTORY_BOUND);
      expect(signalDesign).toBeGreaterThan(5 * HISTORY_BOUND);
      expect(events.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
    }
  });
});
