import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config';
import type { ManagedProcess } from '../../src/devstack/processes';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { waitForJob } from '../helpers/jobs';
import { testEnv } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';

const JOBS = 50;
const CONTACTS = 2000;
/** The worker runs with --max-old-space-size=512 (WORKER_NODE_FLAGS); its whole RSS stays under it. */
const RSS_CAP_MB = 512;

/** Resident set size of a process, now and at its peak (VmHWM), in MB. */
function rssOf(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

describe('50 partitioned jobs at once on one worker', () => {
  const env = testEnv({
    EXPORT_PARTITIONS: '4',
    EXPORT_PARTITION_MIN_CONTACTS: '100',
    EXPORT_BATCH_SIZE: '250',
    JOBS_RATE_LIMIT: '100000',
  });
  let stack: TestStack;
  let worker: ManagedProcess | undefined;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false, config: loadConfig(env) });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 2000 });
    worker = await startWorkerProcess(env, 'worker-partitioned-load');
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  it('when 50 jobs of 4 partitions each run together, then all end Done with every contact and the worker stays under its memory cap', async () => {
    const pid = worker?.child.pid ?? 0;
    let peakSeen = 0;
    const sampler = setInterval(() => {
      peakSeen = Math.max(peakSeen, rssOf(pid).now);
    }, 200);
    const started = Date.now();
    try {
      const created = await Promise.all(
        Array.from({ length: JOBS }, (_, i) =>
          stack.request<{ jobID: string }>('POST', '/contactexports', {
            exportType: i % 2 ? 'json' : 'csv',
            compress: i % 3 === 0,
            name: `partitioned-${i}`,
          }),
        ),
      );
      expect(created.map((r) => r.status)).toEqual(Array(JOBS).fill(202));
      const views: JobView[] = [];
      for (const { body } of created)
        views.push((await waitForJob(stack, body.jobID, undefined, 600_000, 1000)).job);
      expect(views.map((v) => v.status)).toEqual(Array(JOBS).fill('Done'));
      expect(views.every((v) => v.file?.rows === CONTACTS)).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    const { peak } = rssOf(pid);
    process.stderr.write(
      `50 partitioned jobs (K=4, ${CONTACTS} contacts each): all Done in ${Date.now() - started} ms; worker RSS peak ${peak.toFixed(0)} MB (sampled ${peakSeen.toFixed(0)} MB)\n`,
    );
    expect(peak).toBeLessThan(RSS_CAP_MB);
  }, 660_000);
});
