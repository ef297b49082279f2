import { execFileSync } from 'node:child_process';
import { findTool } from '../../src/devstack/binaries';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { runJob } from '../helpers/deliveries';
import { OTHER_API_KEY, testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

interface Page {
  jobs: JobView[];
  links: { next: string | null };
}

/** Visibility is eventually consistent: ask again until the answer holds. */
async function eventually<T>(
  ask: () => Promise<T>,
  holds: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  let value = await ask();
  for (const deadline = Date.now() + timeoutMs; !holds(value) && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    value = await ask();
  }
  return value;
}

describe('GET /jobs: listing from Temporal visibility', () => {
  let stack: TestStack;
  const mine: Record<string, JobView> = {};

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig({ DESTINATION_TIMEOUT: '5s' }) });
    await seedStore(stack.db, { contacts: 20 });
    for (const name of ['alpha', 'bravo', 'charlie'])
      mine[name] = await runJob(stack, { exportType: 'csv', name });
    mine.failed = await runJob(stack, {
      exportType: 'csv',
      name: 'delta',
      destination: { type: 'sftp', server: 'no-such-host.invalid', port: 22, username: 'u', password: 'p' },
    });
    const other = await stack.request<{ jobID: string }>(
      'POST',
      '/contactexports',
      { exportType: 'csv', name: 'theirs' },
      { apiKey: OTHER_API_KEY },
    );
    expect(other.status).toBe(202);
  }, 120_000);
  afterAll(() => stack?.stop());

  const list = (query = '') => stack.request<Page>('GET', `/jobs${query}`);

  it('when listed, then it shows this key’s jobs only, ended ones most recently ended first, with their results', async () => {
    const res = await eventually(
      () => list(),
      (r) => r.body.jobs.length === 4,
    );
    expect(res.status).toBe(200);
    expect(res.body.jobs.map((j) => j.jobName)).toEqual(['delta', 'charlie', 'bravo', 'alpha']);
    const alpha = res.body.jobs.find((j) => j.jobName === 'alpha');
    expect(alpha).toMatchObject({
      status: 'Done',
      totalItems: 20,
      completedItems: 20,
      percent: 100,
      file: { rows: 20, name: 'alpha.csv' },
    });
    expect(res.body.jobs.find((j) => j.jobName === 'delta')).toMatchObject({
      status: 'Failed',
      error: { code: 'destination_not_found' },
    });
    expect(res.body.links.next).toBeNull();
  });

  it.each<[string, string, string[]]>([
    ['jobName', '?jobName=bravo', ['bravo']],
    ['status', '?status=Failed', ['delta']],
    ['status in any case', '?status=done', ['charlie', 'bravo', 'alpha']],
    [
      'a start time after now',
      `?times[start][gt]=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
      [],
    ],
    [
      'a start time window',
      `?times[start][gte]=2000-01-01&times[start][lte]=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      ['delta', 'charlie', 'bravo', 'alpha'],
    ],
  ])('when filtered by %s, then only the matching jobs come back', async (_case, query, names) => {
    const res = await eventually(
      () => list(query),
      (r) => r.body.jobs.length === names.length,
    );
    expect(res.body.jobs.map((j) => j.jobName)).toEqual(names);
  });

  it('when paginated, then following links.next visits every job once', async () => {
    const seen: string[] = [];
    let next: string | null = '/jobs?limit=3';
    let pages = 0;
    while (next) {
      const res: { status: number; body: Page } = await stack.request<Page>('GET', next);
      expect(res.status).toBe(200);
      expect(res.body.jobs.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.jobs.map((j) => j.jobName));
      next = res.body.links.next;
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(['delta', 'charlie', 'bravo', 'alpha']);
  });

  it.each([
    '?status=Unknown',
    '?limit=0',
    '?limit=500',
    '?sort=name',
    '?times[start][gt]=yesterday',
    '?times[end][gt]=2026-01-01',
    '?cursor=%25%25%25',
  ])('when the query is %s, then 400 names the problem', async (query) => {
    const res = await stack.request<{ error: { code: string; details: unknown[] } }>('GET', `/jobs${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.length).toBeGreaterThan(0);
  });

  it('when an operator filters with the temporal CLI, then ExportStatus finds the failed job, and the memo names it', () => {
    const temporal = findTool('temporal');
    const address = stack.config.temporal.address;
    const out = execFileSync(
      temporal,
      [
        'workflow',
        'list',
        '--address',
        address,
        '--query',
        `ExportStatus="Failed" AND ExportName="delta"`,
        '-o',
        'json',
      ],
      { encoding: 'utf8' },
    );
    const rows = (JSON.parse(out) as { execution: { workflowId: string } }[]).map(
      (r) => r.execution.workflowId,
    );
    expect(rows).toEqual([`contactexport-${mine.failed?.jobID}`]);
    const described = JSON.parse(
      execFileSync(
        temporal,
        [
          'workflow',
          'describe',
          '--address',
          address,
          '-w',
          `contactexport-${mine.alpha?.jobID}`,
          '-o',
          'json',
        ],
        { encoding: 'utf8' },
      ),
    ) as {
      workflowExecutionInfo: {
        memo: { fields: Record<string, { metadata: Record<string, string> }> };
        searchAttributes: { indexedFields: Record<string, { data: string }> };
      };
    };
    const info = described.workflowExecutionInfo;
    const attribute = (name: string): unknown =>
      JSON.parse(
        Buffer.from(info.searchAttributes.indexedFields[name]?.data ?? '', 'base64').toString('utf8'),
      );
    expect([attribute('ExportName'), attribute('ExportStatus'), attribute('DestinationType')]).toEqual([
      'alpha',
      'Done',
      'aws',
    ]);
    // The memo is readable to operators only through the codec: Temporal holds ciphertext.
    const encoding = Buffer.from(info.memo.fields.job?.metadata.encoding ?? '', 'base64').toString('utf8');
    expect(encoding).toBe('binary/encrypted');
  });
});
