import { readdirSync, existsSync } from 'node:fs';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { recordHistory } from '../helpers/histories';
import { waitForJob } from '../helpers/jobs';
import { OTHER_API_KEY, testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe('DELETE /jobs/{jobID}: cancelling an export', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      config: testConfig({ EXPORT_BATCH_SIZE: '200', EXPORT_HEARTBEAT_TIMEOUT: '3s' }),
    });
    await seedStore(stack.db, { contacts: 60_000, batchSize: 5000 });
  }, 120_000);
  afterAll(() => stack?.stop());

  async function start(): Promise<string> {
    const res = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      compress: true,
    });
    expect(res.status).toBe(202);
    return res.body.jobID;
  }

  it.each<[string, (job: JobView) => boolean]>([
    ['while pages are being written', (job) => job.completedItems > 2000],
    [
      'while the store is still sorting, before the first page',
      // The activity runs (it has counted) but FerretDB is still sorting: no page has arrived.
      (job) => job.totalItems === 60_000 && job.completedItems === 0,
    ],
  ])('when cancelled %s, then the job ends Cancelled and no file remains', async (_case, when) => {
    const jobID = await start();
    const { job: running } = await waitForJob(stack, jobID, when, 60_000, 20);
    expect(running.completedItems).toBeLessThan(60_000);
    expect(running.status).toBe('Processing');

    const cancelled = await stack.request<{ cancelRequested: boolean }>('DELETE', `/jobs/${jobID}`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.cancelRequested).toBe(true);
    const started = Date.now();
    const { job } = await waitForJob(stack, jobID, undefined, 30_000);
    process.stderr.write(`cancelled ${_case}: Cancelled after ${Date.now() - started} ms\n`);

    expect(job.status).toBe('Cancelled');
    expect(job.error?.code).toBe('cancelled');
    expect(job.times.end).not.toBeNull();
    expect(filesUnder(stack.config.stagingDir).filter((f) => f.startsWith(jobID))).toEqual([]);
    expect(filesUnder(stack.config.storageDir).filter((f) => f.includes(jobID))).toEqual([]);
    expect((await stack.request('GET', `/jobs/${jobID}/download`)).status).toBe(404);
    if (_case.startsWith('while pages')) await recordHistory(stack.client, jobID, 'cancelled-mid-export');
  });

  it('when the job has ended, then DELETE answers 409; when it is another key’s job, 404', async () => {
    const res = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      fields: ['first_name'],
      'audience-key': 'vip-europe',
    });
    // An audience job scans the whole table on FerretDB, twice (the cursor and its end check): on a
    // machine busy with the load tests that took over 90 s, alone 25 s.
    const { job } = await waitForJob(stack, res.body.jobID, undefined, 300_000);
    expect(job.status).toBe('Done');
    expect((await stack.request('DELETE', `/jobs/${job.jobID}`)).status).toBe(409);
    const running = await start();
    expect(
      (await stack.request('DELETE', `/jobs/${running}`, undefined, { apiKey: OTHER_API_KEY })).status,
    ).toBe(404);
    expect((await stack.request('DELETE', `/jobs/${running}`)).status).toBe(202);
  }, 360_000);
});
