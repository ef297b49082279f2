import { seedStore } from '../../src/seed/seed-store';
import type { JobView } from '../../src/jobs/types';
import { downloadFile, runJob } from '../helpers/deliveries';
import { testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

/** One-off incremental exports: `modifiedSince` (inclusive) and `modifiedBefore` (exclusive). */
describe('POST /contactexports with a lastModified window', () => {
  let stack: TestStack;
  const at = (day: number): Date => new Date(Date.UTC(2026, 10, day, 12, 0, 0));

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig() });
    await seedStore(stack.db, { contacts: 0 });
    // One contact modified at noon on each of November 1-10.
    await stack.db.collection('contacts').insertMany(
      Array.from({ length: 10 }, (_, i) => ({
        channels: { email: { address: `day${i + 1}@example.com` } },
        lastModified: at(i + 1),
      })),
    );
  });
  afterAll(() => stack?.stop());

  const emailsOf = async (job: JobView): Promise<string[]> =>
    (await downloadFile(stack, job.jobID)).toString('utf8').trim().split('\n').filter(Boolean);

  it('when both bounds are given, then exactly the contacts modified in [since, before) are exported, and the job shows its window', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      fields: ['channels.email.address'],
      modifiedSince: '2026-11-03T12:00:00Z',
      modifiedBefore: '2026-11-06T12:00:00Z',
    });
    expect(job.status).toBe('Done');
    expect(await emailsOf(job)).toEqual(['day3@example.com', 'day4@example.com', 'day5@example.com']);
    expect(job.window).toEqual({
      modifiedSince: '2026-11-03T12:00:00.000Z',
      modifiedBefore: '2026-11-06T12:00:00.000Z',
    });
    const listed = await stack.request<{ jobs: JobView[] }>('GET', '/jobs?limit=100');
    expect(listed.body.jobs.find((j) => j.jobID === job.jobID)?.window).toEqual(job.window);
  });

  it('when only modifiedSince is given (a date, with an offset elsewhere), then everything from then on comes', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      fields: ['channels.email.address'],
      modifiedSince: '2026-11-09T13:00:00+01:00',
    });
    expect(await emailsOf(job)).toEqual(['day9@example.com', 'day10@example.com']);
    expect(job.window).toEqual({ modifiedSince: '2026-11-09T12:00:00.000Z', modifiedBefore: null });
  });

  it('when no window is given, then every contact comes and the window is null', async () => {
    const job = await runJob(stack, { exportType: 'csv', fields: ['channels.email.address'] });
    expect(await emailsOf(job)).toHaveLength(10);
    expect(job.window).toBeNull();
  });

  it('when the window is empty (since after before), then the job is Done with no contacts', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      fields: ['channels.email.address'],
      modifiedSince: '2026-11-08',
      modifiedBefore: '2026-11-02',
    });
    expect(job.status).toBe('Done');
    expect(job.file?.rows).toBe(0);
  });

  it.each([
    ['modifiedSince', '2026-13-01'],
    ['modifiedBefore', 'yesterday'],
    ['modifiedSince', 1_700_000_000],
  ])('when %s is %j, then POST answers 400 naming it', async (key, value) => {
    const res = await stack.request<{ error: { details: { path: string; message: string }[] } }>(
      'POST',
      '/contactexports',
      { exportType: 'csv', [key]: value },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path)).toEqual([key]);
  });
});
