import { parse } from 'csv-parse/sync';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { recordHistory } from '../helpers/histories';
import { waitForJob } from '../helpers/jobs';
import { TEST_API_KEY, testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

const CONTACTS = 20_000;

describe('walking skeleton: POST /contactexports → workflow → file in internal storage → download', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Small pages and frequent progress so the job is observably Processing for a while.
    stack = await startTestStack({ config: testConfig({ EXPORT_BATCH_SIZE: '500' }) });
    await seedStore(stack.db, { contacts: CONTACTS });
  });
  afterAll(() => stack?.stop());

  it('when a CSV export is requested, then the job goes Processing → Done and the download holds every contact once', async () => {
    const created = await stack.request<{ jobID: string; status: string; links: { self: string } }>(
      'POST',
      '/contactexports',
      {
        exportType: 'csv',
        showHeader: true,
      },
    );
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('Pending');
    const { jobID } = created.body;
    expect(created.headers.get('location')).toBe(`/jobs/${jobID}`);
    expect(created.body.links.self).toBe(`/jobs/${jobID}`);

    const { job, seen } = await waitForJob(stack, jobID);
    const statuses = seen.map((j) => j.status);
    expect(statuses).toContain('Processing');
    expect(job.status).toBe('Done');
    expect(statuses.indexOf('Processing')).toBeLessThan(statuses.indexOf('Done'));
    const midway = seen.filter(
      (j) => j.status === 'Processing' && j.completedItems > 0 && j.completedItems < CONTACTS,
    );
    expect(midway.length).toBeGreaterThan(0);
    expect(job).toMatchObject<Partial<JobView>>({
      totalItems: CONTACTS,
      completedItems: CONTACTS,
      percent: 100,
      type: 'contactexport',
    });
    expect(job.file?.rows).toBe(CONTACTS);

    const download = await fetch(`${stack.url}/jobs/${jobID}/download`, {
      headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('text/csv');
    const text = await download.text();
    expect(Number(download.headers.get('content-length'))).toBe(Buffer.byteLength(text));

    const rows: Record<string, string>[] = parse(text, { columns: true });
    expect(rows).toHaveLength(CONTACTS);
    const emails = rows.map((r) => r['channels.email.address']);
    expect(new Set(emails).size).toBe(CONTACTS);
    const stored = await stack.db
      .collection('contacts')
      .find({}, { projection: { 'channels.email.address': 1 }, sort: { _id: 1 } })
      .toArray();
    expect(emails).toEqual(stored.map((c) => (c.channels as { email: { address: string } }).email.address));
    await recordHistory(stack.client, jobID, 'done-csv');
  });

  it('when the job ID is unknown, then GET /jobs/{jobID} answers 404 in JSON', async () => {
    const res = await stack.request<{ error: { code: string } }>(
      'GET',
      '/jobs/00000000-0000-0000-0000-000000000000',
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
