import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { freePort } from '../../src/devstack/processes';
import { s3Client } from '../../src/net/s3-client';
import { seedStore } from '../../src/seed/seed-store';
import {
  deliveryAttempts,
  gzipCsvRows,
  runJob,
  storedEmails,
  waitForFailedDelivery,
} from '../helpers/deliveries';
import { waitForJob } from '../helpers/jobs';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startGcsServer } from '../servers/gcs';
import { startS3Server } from '../servers/s3';

describe('delivery to Amazon S3 (versitygw, SigV4 checked) and Google Cloud Storage (fake-gcs-server)', () => {
  const servers = testServers();
  let stack: TestStack;
  let emails: string[];
  const s3 = s3Client({
    region: 'us-west-2',
    accessKeyId: servers.s3.accessKeyId,
    secretAccessKey: servers.s3.secretAccessKey,
    endpoint: servers.s3.endpoint,
  });
  const bucket = `exports-${uniqueId('b')}`;
  const s3Destination = (extra: Record<string, unknown> = {}) => ({
    type: 's3',
    aws_access_key_id: servers.s3.accessKeyId,
    aws_secret_access_key: servers.s3.secretAccessKey,
    aws_bucket: bucket,
    aws_region: 'us-west-2',
    ...extra,
  });
  const base = { exportType: 'csv', compress: true, fields: ['channels.email.address', 'first_name'] };

  async function s3Object(key: string): Promise<Buffer> {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig({ DESTINATION_TIMEOUT: '10s' }) });
    await seedStore(stack.db, { contacts: 4000 });
    emails = await storedEmails(stack.db);
    mkdirSync(path.join(servers.s3.root, bucket), { recursive: true });
  });
  afterAll(async () => {
    s3.destroy();
    await stack?.stop();
  });

  describe('S3', () => {
    it('when the path is a folder ("folder/" with slashes to spare), then the key is folder/name and the object reads back', async () => {
      const job = await runJob(stack, {
        ...base,
        name: 's3-nightly',
        destination: s3Destination({ path: '/daily//exports/' }),
      });
      expect(job.status).toBe('Done');
      expect(job.file?.location).toBe(`s3://${bucket}/daily/exports/s3-nightly.csv.gz`);
      expect(gzipCsvRows(await s3Object('daily/exports/s3-nightly.csv.gz')).map((r) => r[0])).toEqual(emails);
      expect(JSON.stringify(job)).not.toContain(servers.s3.secretAccessKey);
    });

    it('when the path ends in a file name, then that is the key (the seed\'s "/folder/contactsExport.csv")', async () => {
      const job = await runJob(stack, {
        exportType: 'csv',
        fields: ['channels.email.address'],
        destination: s3Destination({ path: '/folder/contactsExport.csv' }),
      });
      expect(job.status).toBe('Done');
      expect((await s3Object('folder/contactsExport.csv')).toString('utf8').split('\n')).toHaveLength(4001);
    });

    it('when the file is larger than one part (8 MB), then a multipart upload delivers it whole and leaves no parts', async () => {
      // Its own database: big contacts are inserted, not updated in place (FerretDB rewrites whole documents).
      const bigStack = await startTestStack({ config: testConfig() });
      try {
        await seedStore(bigStack.db, { contacts: 0 });
        await bigStack.db
          .collection('contactattributes')
          .insertOne({ key: 'notes', name: 'Notes', type: 'string', position: 99 });
        const notes = 'x'.repeat(2500);
        await bigStack.db.collection('contacts').insertMany(
          Array.from({ length: 4000 }, (_, i) => ({
            channels: { email: { address: `big${i}@example.com` } },
            notes,
          })),
        );
        const job = await runJob(bigStack, {
          exportType: 'csv',
          name: 'big',
          fields: ['channels.email.address', 'notes'],
          destination: s3Destination({ path: 'big' }),
        });
        expect(job.error).toBeNull();
        expect(job.status).toBe('Done');
        expect(job.file?.bytes).toBeGreaterThan(9 * 1024 * 1024);
        const object = await s3Object('big/big.csv');
        expect(object.length).toBe(job.file?.bytes);
        const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        expect(uploads.Uploads ?? []).toEqual([]);
      } finally {
        await bigStack.stop();
      }
    });

    it('when the secret key is wrong, then the job fails at once naming the access key, never the secret', async () => {
      const job = await runJob(stack, {
        ...base,
        destination: s3Destination({ aws_secret_access_key: 'wrong-secret-key-123' }),
      });
      expect(job.status).toBe('Failed');
      expect(job.error?.code).toBe('destination_auth_failed');
      expect(job.error?.message).toMatch(/credentials refused for access key ID '…\w{4}'/);
      expect(JSON.stringify(job)).not.toContain('wrong-secret-key-123');
      expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
    });

    it('when the bucket does not exist, then the job fails at once', async () => {
      const job = await runJob(stack, {
        ...base,
        destination: s3Destination({ aws_bucket: 'no-such-bucket-here' }),
      });
      expect(job.status).toBe('Failed');
      expect(job.error).toEqual({
        code: 'destination_not_found',
        message: "S3 bucket 'no-such-bucket-here' (us-west-2): the bucket does not exist",
      });
      expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
    });

    it('when the S3 endpoint is down at first and comes up a few seconds later, then retries deliver the file', async () => {
      const port = await freePort();
      const lateRoot = path.join(servers.runDir, uniqueId('s3-late'));
      const late = testConfig({ S3_ENDPOINT: `http://127.0.0.1:${port}`, DESTINATION_TIMEOUT: '5s' });
      const lateStack = await startTestStack({ config: late });
      try {
        await seedStore(lateStack.db, { contacts: 50 });
        const created = await lateStack.request<{ jobID: string }>('POST', '/contactexports', {
          ...base,
          name: 's3-late',
          destination: s3Destination({ aws_bucket: 'late-bucket' }),
        });
        // The server comes up only after a delivery attempt has failed against it.
        expect(await waitForFailedDelivery(lateStack, created.body.jobID)).toMatch(/ECONNREFUSED|will retry/);
        const server = await startS3Server({
          root: lateRoot,
          port,
          accessKeyId: servers.s3.accessKeyId,
          secretAccessKey: servers.s3.secretAccessKey,
          logFile: path.join(servers.runDir, 'logs', 's3-late.log'),
        });
        server.createBucket('late-bucket');
        try {
          const { job } = await waitForJob(lateStack, created.body.jobID, undefined, 120_000, 250);
          expect(job.error).toBeNull();
          expect(job.status).toBe('Done');
          expect(await deliveryAttempts(lateStack, job.jobID)).toBeGreaterThan(1);
          const client = s3Client({
            region: 'us-west-2',
            accessKeyId: servers.s3.accessKeyId,
            secretAccessKey: servers.s3.secretAccessKey,
            endpoint: server.endpoint,
          });
          const listed = await client.send(new ListObjectsV2Command({ Bucket: 'late-bucket' }));
          expect(listed.Contents?.map((c) => c.Key)).toEqual(['s3-late.csv.gz']);
          client.destroy();
        } finally {
          await server.stop();
        }
      } finally {
        await lateStack.stop();
      }
    });
  });

  describe('GCS', () => {
    const storage = new Storage({ apiEndpoint: servers.gcs.endpoint, projectId: 'test-project' });

    it('when a gzip CSV goes to a bucket folder, then the object reads back with every contact', async () => {
      const job = await runJob(stack, {
        ...base,
        name: 'gcs-nightly',
        destination: { type: 'gcs', gcs_bucket: 'partner-bucket', path: '/contactexports' },
      });
      expect(job.status).toBe('Done');
      expect(job.file?.location).toBe('gs://partner-bucket/contactexports/gcs-nightly.csv.gz');
      const [bytes] = await storage
        .bucket('partner-bucket')
        .file('contactexports/gcs-nightly.csv.gz')
        .download();
      expect(gzipCsvRows(bytes).map((r) => r[0])).toEqual(emails);
    });

    it('when the bucket does not exist, then the job fails at once', async () => {
      const job = await runJob(stack, {
        ...base,
        destination: { type: 'gcs', gcs_bucket: 'no-such-gcs-bucket' },
      });
      expect(job.status).toBe('Failed');
      expect(job.error).toEqual({
        code: 'destination_not_found',
        message: "GCS bucket 'no-such-gcs-bucket': the bucket does not exist",
      });
      expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
    });

    it('when the GCS endpoint is down at first and comes up a few seconds later, then retries deliver the file', async () => {
      const port = await freePort();
      const lateStack = await startTestStack({
        config: testConfig({ STORAGE_EMULATOR_HOST: `http://127.0.0.1:${port}` }),
      });
      try {
        await seedStore(lateStack.db, { contacts: 50 });
        const created = await lateStack.request<{ jobID: string }>('POST', '/contactexports', {
          ...base,
          name: 'gcs-late',
          destination: { type: 'gcs', gcs_bucket: 'late-gcs' },
        });
        // The server comes up only after a delivery attempt has failed against it.
        expect(await waitForFailedDelivery(lateStack, created.body.jobID)).toMatch(/ECONNREFUSED|will retry/);
        const server = await startGcsServer({
          root: path.join(servers.runDir, uniqueId('gcs-late')),
          port,
          buckets: ['late-gcs'],
          logFile: path.join(servers.runDir, 'logs', 'gcs-late.log'),
        });
        try {
          const { job } = await waitForJob(lateStack, created.body.jobID, undefined, 120_000, 250);
          expect(job.error).toBeNull();
          expect(job.status).toBe('Done');
          expect(await deliveryAttempts(lateStack, job.jobID)).toBeGreaterThan(1);
          const [files] = await new Storage({ apiEndpoint: server.endpoint, projectId: 'p' })
            .bucket('late-gcs')
            .getFiles();
          expect(files.map((f) => f.name)).toEqual(['gcs-late.csv.gz']);
        } finally {
          await server.stop();
        }
      } finally {
        await lateStack.stop();
      }
    });
  });
});
