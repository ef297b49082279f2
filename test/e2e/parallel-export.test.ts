import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { downloadFile, runJob } from '../helpers/deliveries';
import { recordHistory } from '../helpers/histories';
import { testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

const CONTACTS = 6000;

async function fileText(stack: TestStack, job: JobView): Promise<string> {
  const bytes = await downloadFile(stack, job.jobID);
  return (job.compress ? gunzipSync(bytes) : bytes).toString('utf8');
}

async function startedActivities(stack: TestStack, jobID: string, type: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(`contactexport-${jobID}`).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type,
  ).length;
}

describe('parallel export: K partitions joined in order', () => {
  let single: TestStack;
  let parallel: TestStack;

  beforeAll(async () => {
    single = await startTestStack({ config: testConfig({ EXPORT_BATCH_SIZE: '250' }) });
    await seedStore(single.db, { contacts: CONTACTS });
    // Same database, its own queue: 4 partitions from 100 contacts up.
    parallel = await startTestStack({
      config: testConfig({
        MONGODB_URI: single.config.mongodbUri,
        EXPORT_PARTITIONS: '4',
        EXPORT_PARTITION_MIN_CONTACTS: '100',
        EXPORT_BATCH_SIZE: '250',
      }),
    });
  }, 120_000);
  afterAll(async () => {
    await parallel?.stop();
    await single?.stop();
  });

  it.each<[string, Record<string, unknown>]>([
    ['gzip CSV with a header', { exportType: 'csv', showHeader: true, compress: true }],
    [
      'JSON',
      { exportType: 'json', fields: ['channels.email.address', 'address', 'birthday'], lists: ['vip_club'] },
    ],
    ['gzip JSON', { exportType: 'json', compress: true }],
    ['gzip NDJSON', { exportType: 'ndjson', compress: true }],
    ['CSV of an audience', { exportType: 'csv', showHeader: true, 'audience-key': 'vip-europe' }],
  ])(
    'when %s is exported in 4 partitions, then the joined file equals the single-stream file',
    async (_case, body) => {
      const [one, four] = await Promise.all([runJob(single, body), runJob(parallel, body)]);
      expect([one.status, four.status]).toEqual(['Done', 'Done']);
      expect(four.file?.rows).toBe(one.file?.rows);
      expect(four.completedItems).toBe(one.completedItems);
      expect(await fileText(parallel, four)).toBe(await fileText(single, one));
      expect(await startedActivities(parallel, four.jobID, 'exportPart')).toBe(4);
      expect(await startedActivities(parallel, four.jobID, 'joinParts')).toBe(1);
      expect(await startedActivities(single, one.jobID, 'exportPart')).toBe(0);
      if (_case === 'gzip JSON') await recordHistory(parallel.client, four.jobID, 'partitioned-k4');
    },
  );

  it('when a job has fewer contacts than the partition threshold, then it is exported as one stream', async () => {
    await parallel.db
      .collection('audiences')
      .insertOne({ key: 'tiny', rule: { field: 'age', op: 'eq', value: 42 } });
    const job = await runJob(parallel, { exportType: 'csv', 'audience-key': 'tiny' });
    expect(job.status).toBe('Done');
    expect(job.file?.rows).toBeLessThan(100);
    expect(await startedActivities(parallel, job.jobID, 'exportPart')).toBe(0);
  });

  it('when the parts are joined, then none is left behind in storage', () => {
    const partsDir = path.join(parallel.config.storageDir, '.parts');
    const left = existsSync(partsDir)
      ? readdirSync(partsDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      : [];
    expect(left).toEqual([]);
  });
});
