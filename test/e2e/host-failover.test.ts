import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config';
import { freePort, type ManagedProcess } from '../../src/devstack/processes';
import { seedStore } from '../../src/seed/seed-store';
import { downloadFile } from '../helpers/deliveries';
import { recordHistory } from '../helpers/histories';
import { waitForJob } from '../helpers/jobs';
import { testEnv } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';

const CONTACTS = 40_000;

/**
 * Staging files live on the exporting host. When that host disappears for good, the export's
 * queue is never served again: after EXPORT_HOST_TIMEOUT the workflow starts over on another host.
 */
describe('an export whose host is gone starts again on another host', () => {
  const hostA = testEnv({
    EXPORT_BATCH_SIZE: '500',
    EXPORT_HEARTBEAT_TIMEOUT: '3s',
    EXPORT_HOST_TIMEOUT: '6s',
  });
  const hostB = {
    ...hostA,
    WORKER_HOST_ID: `${hostA.WORKER_HOST_ID}-b`,
    STAGING_DIR: path.join(path.dirname(hostA.STAGING_DIR ?? ''), 'staging-b'),
  };
  let stack: TestStack;
  const workers: ManagedProcess[] = [];
  let movedJobID = '';

  beforeAll(async () => {
    stack = await startTestStack({ worker: false, config: loadConfig(hostA) });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 5000 });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await stack?.stop();
  });

  it('when host A dies mid-export and only host B is left, then B exports the whole file and the job is Done', async () => {
    const a = await startWorkerProcess(hostA, 'worker-host-a');
    workers.push(a);
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      fields: ['channels.email.address'],
    });
    await waitForJob(stack, created.body.jobID, (j) => j.completedItems > 0, 120_000, 100);
    await a.kill();
    workers.push(await startWorkerProcess(hostB, 'worker-host-b'));

    const { job } = await waitForJob(stack, created.body.jobID, undefined, 180_000, 250);
    expect(job.status).toBe('Done');
    expect(job.file?.rows).toBe(CONTACTS);

    const rows: string[][] = parse(await downloadFile(stack, job.jobID));
    const emails = rows.map((r) => r[0]);
    expect(emails).toHaveLength(CONTACTS);
    expect(new Set(emails).size).toBe(CONTACTS);

    // The history shows the move: a schedule-to-start timeout on A's queue, then B's queue.
    const history = await stack.client.workflow.getHandle(`contactexport-${job.jobID}`).fetchHistory();
    const queues = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'exportContacts')
      .map((a) => a?.taskQueue?.name);
    expect(queues).toEqual([
      `${hostA.TEMPORAL_TASK_QUEUE}@${hostA.WORKER_HOST_ID}`,
      `${hostA.TEMPORAL_TASK_QUEUE}@${hostB.WORKER_HOST_ID}`,
    ]);
    const timedOut = (history.events ?? []).some(
      (e) => Number(e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType) === 2,
    );
    expect(timedOut).toBe(true); // TIMEOUT_TYPE_SCHEDULE_TO_START
    const bLog = readFileSync(workers[1]?.logFile ?? '', 'utf8');
    expect(bLog).toContain(`"jobID":"${job.jobID}","resumeFromRows":0`);
    await recordHistory(stack.client, job.jobID, 'host-moved');
    movedJobID = job.jobID;
  }, 300_000);

  it("when host A comes back after its job finished on B, then it removes the job's half-written staging file", async () => {
    const leftover = path.join(hostA.STAGING_DIR ?? '', `${movedJobID}.part`);
    // A died mid-export: its part of the file is still on its disk, and nothing else removes it.
    expect(existsSync(leftover)).toBe(true);
    const metricsPort = await freePort();
    const again = await startWorkerProcess(
      { ...hostA, STAGING_SWEEP_MIN_AGE: '0', METRICS_PORT: String(metricsPort) },
      'worker-host-a-again',
    );
    workers.push(again);
    const logged = (): boolean =>
      readFileSync(again.logFile ?? '', 'utf8').includes('staging sweep removed the files of ended jobs');
    // The log line comes after the removal (and through a pipe): wait for both.
    for (const deadline = Date.now() + 30_000; (existsSync(leftover) || !logged()) && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(leftover)).toBe(false);
    expect(logged()).toBe(true);
    // Operators see it in the worker's metrics.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^contact_exports_staging_swept_files_total\{role="worker"\} 1$/m);
    expect(metrics).toMatch(/^contact_exports_staging_swept_bytes_total\{role="worker"\} [1-9]\d*$/m);
  }, 120_000);
});
