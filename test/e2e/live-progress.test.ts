import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { waitForJob } from '../helpers/jobs';
import { testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

const CONTACTS = 30_000;

/**
 * Progress travels in heartbeat details (no history events) and reaches GET /jobs/{jobID} through
 * `describe`: live rows while exporting, and a place in line while waiting for the host.
 */
describe('live progress from heartbeats', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      config: testConfig({ EXPORT_CONCURRENCY: '1', EXPORT_BATCH_SIZE: '500', PROGRESS_INTERVAL: '200ms' }),
    });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 5000 });
  }, 120_000);
  afterAll(() => stack?.stop());

  it('when two jobs share a host with one export place, then the first shows live rows while the second shows queued, first in line, and neither adds a history event for progress', async () => {
    const start = async (name: string): Promise<string> =>
      (await stack.request<{ jobID: string }>('POST', '/contactexports', { exportType: 'csv', name })).body
        .jobID;
    const first = await start('first-in');
    const { job: exporting } = await waitForJob(
      stack,
      first,
      (j) => j.phase === 'exporting' && j.completedItems > 0 && j.completedItems < CONTACTS,
      60_000,
      50,
    );
    expect(exporting.status).toBe('Processing');

    const second = await start('second-in');
    // Until a worker takes the activity the job is queued with no known place (queuePosition null);
    // once the worker holds it in the host's line, the place is known.
    const { job: queued, seen: beforeLine } = await waitForJob(
      stack,
      second,
      (j) => j.phase === 'queued' && j.queuePosition !== null,
      60_000,
      50,
    );
    expect(beforeLine.every((j) => j.queuePosition === null || j.queuePosition === 1)).toBe(true);
    expect(queued).toMatchObject<Partial<JobView>>({
      status: 'Processing',
      phase: 'queued',
      queuePosition: 1,
    });
    // The first is still exporting, and its rows still move.
    const { job: stillExporting } = await waitForJob(
      stack,
      first,
      (j) => j.completedItems > exporting.completedItems || j.status === 'Done',
      60_000,
      50,
    );
    expect(stillExporting.completedItems).toBeGreaterThan(exporting.completedItems);

    const { job: secondDone, seen } = await waitForJob(stack, second, undefined, 240_000, 100);
    expect(secondDone.status).toBe('Done');
    expect(secondDone.file?.rows).toBe(CONTACTS);
    const phases = seen.map((j) => j.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases.indexOf('queued')).toBeLessThan(phases.lastIndexOf('uploading'));
    expect(seen.some((j) => j.phase === 'exporting' && j.completedItems > 0)).toBe(true);
    expect(
      seen
        .filter((j) => j.phase !== 'queued')
        .every((j) => j.queuePosition === null || j.queuePosition === undefined),
    ).toBe(true);

    for (const jobID of [first, second]) {
      const events =
        (await stack.client.workflow.getHandle(`contactexport-${jobID}`).fetchHistory()).events ?? [];
      expect(events.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
    }
  }, 420_000);
});
