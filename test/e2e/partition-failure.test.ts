import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { seedStore } from '../../src/seed/seed-store';
import { recordHistory } from '../helpers/histories';
import { waitForJob } from '../helpers/jobs';
import { testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('a partition that fails for good', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      config: testConfig({
        EXPORT_PARTITIONS: '4',
        EXPORT_PARTITION_MIN_CONTACTS: '100',
        EXPORT_BATCH_SIZE: '100',
      }),
    });
    await seedStore(stack.db, { contacts: 8000, batchSize: 4000 });
    // An `_id` the export cannot checkpoint, as the last of partition 0's first page: 99 string
    // ids, then a document id (strings sort before documents, documents before ObjectIds). That
    // partition fails after one page, while the other three still have 20 pages each to go.
    const legacy = [
      ...Array.from({ length: 99 }, (_, i) => `legacy-${String(i).padStart(3, '0')}`),
      { legacy: 17 },
    ].map((_id, i) => ({ _id, channels: { email: { address: `legacy-${i}@example.com` } } }));
    await stack.db.collection<{ _id: unknown; channels: unknown }>('contacts').insertMany(legacy);
  }, 120_000);
  afterAll(() => stack?.stop());

  it('when one of 4 partitions fails for good, then its siblings are cancelled, every part file is removed, and the job fails once with that error', async () => {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', { exportType: 'csv' });
    expect(created.status).toBe(202);
    const { jobID } = created.body;
    const { job } = await waitForJob(stack, jobID, undefined, 120_000, 200);

    expect(job.status).toBe('Failed');
    expect(job.error?.code).toBe('unsupported_contact');
    expect(job.error?.message).toContain('{"legacy":17}');

    const workflow = stack.client.workflow.getHandle(`contactexport-${jobID}`);
    const events = (await workflow.fetchHistory()).events ?? [];
    const partIds = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportPart')
        .map((e) => String(e.eventId)),
    );
    expect(partIds.size).toBe(4);
    const ofParts = <T>(pick: (e: (typeof events)[number]) => T | null | undefined): T[] =>
      events.map(pick).filter((a): a is T => a !== null && a !== undefined);
    const failed = ofParts((e) => e.activityTaskFailedEventAttributes).filter((a) =>
      partIds.has(String(a.scheduledEventId)),
    );
    const cancelRequested = ofParts((e) => e.activityTaskCancelRequestedEventAttributes).filter((a) =>
      partIds.has(String(a.scheduledEventId)),
    );
    const cancelled = ofParts((e) => e.activityTaskCanceledEventAttributes).filter((a) =>
      partIds.has(String(a.scheduledEventId)),
    );
    // Exactly one partition failed, after one attempt (the error is not retryable)...
    expect(failed).toHaveLength(1);
    // ...and the siblings still running were asked to stop, and did, before the job ended.
    expect(cancelRequested.length).toBeGreaterThanOrEqual(1);
    expect(cancelled).toHaveLength(cancelRequested.length);
    expect(
      events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'joinParts'),
    ).toBe(false);

    // No part file is left, on the staging disk or in internal storage, and no export file.
    expect(filesUnder(stack.config.stagingDir).filter((f) => f.includes(jobID))).toEqual([]);
    expect(filesUnder(stack.config.storageDir).filter((f) => f.includes(jobID))).toEqual([]);
    process.stderr.write(
      `partition failure: 1 failed, ${cancelRequested.length} siblings cancelled, ${events.length} events\n`,
    );
    await recordHistory(stack.client, jobID, 'partition-failed');
  });
});
