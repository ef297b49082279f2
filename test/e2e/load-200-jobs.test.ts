import { existsSync, readdirSync } from 'node:fs';
import type { JobView } from '../../src/jobs/types';
import { ownerIdFor } from '../../src/store/api-keys';
import { seedStore } from '../../src/seed/seed-store';
import { TEST_API_KEY, testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

const JOBS = 200;
const CONTACTS = 30;

describe('200 export requests at once', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      config: testConfig({
        JOBS_RATE_LIMIT: '100000',
        MAX_RUNNING_JOBS_PER_KEY: '100000',
        PROGRESS_INTERVAL: '2s',
      }),
    });
    await seedStore(stack.db, { contacts: CONTACTS });
  });
  afterAll(() => stack?.stop());

  it('when 200 jobs are requested concurrently, then 200 distinct jobs all end Done with every contact, none lost or doubled', async () => {
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: JOBS }, (_, i) =>
        stack.request<{ jobID: string }>('POST', '/contactexports', {
          exportType: i % 2 ? 'json' : 'csv',
          name: `burst-${i}`,
          compress: i % 3 === 0,
        }),
      ),
    );
    const accepted = Date.now() - started;
    expect(responses.map((r) => r.status)).toEqual(Array(JOBS).fill(202));
    const ids = new Set(responses.map((r) => r.body.jobID));
    expect(ids.size).toBe(JOBS);

    // Wait on visibility, then check every job through the API.
    const owner = ownerIdFor(TEST_API_KEY);
    let done = 0;
    for (const deadline = Date.now() + 360_000; Date.now() < deadline;) {
      done = (
        await stack.client.workflow.count(
          `ExportOwner = "${owner}" AND ExportStatus = "Done" AND ExecutionStatus = "Completed"`,
        )
      ).count;
      if (done >= JOBS) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const finished = Date.now() - started;
    expect(done).toBe(JOBS);

    const views = await Promise.all(
      [...ids].map(async (id) => (await stack.request<JobView>('GET', `/jobs/${id}`)).body),
    );
    expect(views.filter((v) => v.status === 'Done')).toHaveLength(JOBS);
    expect(views.every((v) => v.file?.rows === CONTACTS)).toBe(true);
    expect(new Set(views.map((v) => v.jobName)).size).toBe(JOBS);
    // Exactly one file per job in storage.
    const files = existsSync(stack.config.storageDir)
      ? readdirSync(stack.config.storageDir, { recursive: true, withFileTypes: true }).filter((e) =>
          e.isFile(),
        )
      : [];
    expect(files).toHaveLength(JOBS);
    process.stderr.write(
      `200 jobs: accepted in ${accepted} ms, all Done after ${finished} ms, ${JOBS * CONTACTS} rows, ${files.length} files\n`,
    );
  }, 420_000);
});
