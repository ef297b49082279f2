import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { parse } from 'csv-parse/sync';
import type { JobView } from '../../src/jobs/types';
import type { Manifest } from '../../src/export/split';
import { s3Client } from '../../src/net/s3-client';
import { seedStore } from '../../src/seed/seed-store';
import { fetchLocation, gzipCsvRows, runJob, storedEmails } from '../helpers/deliveries';
import { recordHistory } from '../helpers/histories';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { PARTNER_USER } from '../servers/system-users';

const CONTACTS = 6000;
type ErrorBody = { error: { code: string; details: { path: string; message: string }[] } };

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Split exports (maxRowsPerFile / maxFileSizeMB) against every real destination: each file
 * complete, the manifest last and true to the delivered bytes, every contact once in order.
 */
describe('split files with a manifest', () => {
  const servers = testServers();
  let stack: TestStack;
  let parallel: TestStack;
  let emails: string[];

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig({ EXPORT_BATCH_SIZE: '700' }) });
    await seedStore(stack.db, { contacts: CONTACTS });
    emails = await storedEmails(stack.db);
    // The same contacts exported in 3 partitions by a second worker with its own queue.
    parallel = await startTestStack({
      config: testConfig({
        MONGODB_URI: stack.config.mongodbUri,
        EXPORT_PARTITIONS: '3',
        EXPORT_PARTITION_MIN_CONTACTS: '100',
        EXPORT_BATCH_SIZE: '700',
      }),
    });
  }, 180_000);
  afterAll(async () => {
    await parallel?.stop();
    await stack?.stop();
  });

  /** The tests' SFTP server, as the partner account, writing into `folder`. */
  const partnerSftp = (folder: string) => ({
    type: 'sftp',
    server: '127.0.0.1',
    port: servers.sftp.port,
    username: PARTNER_USER,
    password: servers.partnerPassword,
    path: folder,
  });

  /** The job's files as the manifest (which must be the JobView's) lists them, checked against `read`. */
  function checkSet(job: JobView, manifestBytes: Buffer, read: (name: string) => Buffer): Buffer[] {
    expect(job.status).toBe('Done');
    expect(job.file).toBeNull();
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
    expect(job.manifest?.name).toBe(`${job.jobName}.manifest.json`);
    expect(manifest.files.map((f) => f.name)).toEqual((job.files ?? []).map((f) => f.name));
    expect(manifest.files.map((f) => f.name)).toEqual(
      manifest.files.map((_, i) =>
        expect.stringContaining(`${job.jobName}-part-${String(i + 1).padStart(5, '0')}.`),
      ),
    );
    expect(manifest.totals).toEqual({
      files: manifest.files.length,
      rows: CONTACTS,
      bytes: manifest.files.reduce((sum, f) => sum + f.bytes, 0),
    });
    return manifest.files.map((f, i) => {
      const bytes = read(f.name);
      expect(bytes.length).toBe(f.bytes);
      expect(sha256(bytes)).toBe(f.sha256);
      expect(job.files?.[i]).toMatchObject({ name: f.name, rows: f.rows, bytes: f.bytes, sha256: f.sha256 });
      return bytes;
    });
  }

  it('when a gzip CSV with a header goes to SFTP in files of 2,500 rows, then 3 complete files arrive, the manifest last, every contact once', async () => {
    const folder = `/upload/${uniqueId('split')}`;
    const job = await runJob(stack, {
      exportType: 'csv',
      name: 'nightly',
      showHeader: true,
      compress: true,
      fields: ['channels.email.address', 'first_name'],
      maxRowsPerFile: 2500,
      destination: partnerSftp(folder),
    });
    await recordHistory(stack.client, job.jobID, 'split-sftp');
    const dir = path.join(servers.sftp.chrootBase, PARTNER_USER, folder);
    expect(readdirSync(dir).sort()).toEqual([
      'nightly-part-00001.csv.gz',
      'nightly-part-00002.csv.gz',
      'nightly-part-00003.csv.gz',
      'nightly.manifest.json',
    ]);
    const files = checkSet(job, readFileSync(path.join(dir, 'nightly.manifest.json')), (name) =>
      readFileSync(path.join(dir, name)),
    );
    const rows = files.map((bytes) => gzipCsvRows(bytes));
    expect(rows.map((r) => r.length)).toEqual([2501, 2501, 1001]);
    for (const r of rows) expect(r[0]).toEqual(['channels.email.address', 'first_name']);
    expect(rows.flatMap((r) => r.slice(1).map((row) => row[0]))).toEqual(emails);
    expect(job.files?.map((f) => f.location)).toEqual(
      job.files?.map((f) => `sftp://127.0.0.1:${servers.sftp.port}${folder}/${f.name}`),
    );
    // Delivered last: the manifest is no older than any file.
    const mtime = (name: string): number => statSync(path.join(dir, name)).mtimeMs;
    for (const f of job.files ?? [])
      expect(mtime('nightly.manifest.json')).toBeGreaterThanOrEqual(mtime(f.name));
  });

  it('when JSON kept in internal storage is split at 1 MB, then every file is a whole array under 1 MB and each downloads from its location', async () => {
    const job = await runJob(stack, { exportType: 'json', name: 'by-size', maxFileSizeMB: 1 });
    const get = (location: string | null | undefined) => fetchLocation(stack, location);
    expect(job.manifest?.location).toBe(
      `${stack.config.publicUrl}/jobs/${job.jobID}/files/by-size.manifest.json`,
    );
    const downloaded = new Map<string, Buffer>();
    for (const f of job.files ?? []) {
      expect(f.location).toBe(`${stack.config.publicUrl}/jobs/${job.jobID}/files/${f.name}`);
      const res = await get(f.location);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^application\/json/);
      downloaded.set(f.name, res.bytes);
    }
    const manifest = await get(job.manifest?.location);
    expect(manifest.status).toBe(200);
    const files = checkSet(job, manifest.bytes, (name) => downloaded.get(name) ?? Buffer.alloc(0));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const arrays = files.map((bytes) => JSON.parse(bytes.toString('utf8')) as Record<string, unknown>[]);
    for (const bytes of files) expect(bytes.length).toBeLessThanOrEqual(1024 * 1024);
    expect(arrays.flat().map((c) => c['channels.email.address'])).toEqual(emails);
    // The single-file download says where the files are; a name not in the set is not served.
    const whole = await stack.request<ErrorBody>('GET', `/jobs/${job.jobID}/download`);
    expect(whole.status).toBe(404);
    expect(whole.text).toContain('files[].location');
    expect((await stack.request('GET', `/jobs/${job.jobID}/files/other.json`)).status).toBe(404);
    expect((await stack.request('GET', `/jobs/${job.jobID}/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    // Lists keep the manifest (not the file list) for a split job.
    const listed = await stack.request<{ jobs: JobView[] }>('GET', '/jobs?limit=50');
    const row = listed.body.jobs.find((j) => j.jobID === job.jobID);
    expect(row?.manifest).toEqual(job.manifest);
    expect(row?.bytes).toBe(files.reduce((sum, b) => sum + b.length, 0));
  });

  it('when gzip NDJSON in 3 partitions goes to S3 in files of 1,000 rows, then each partition splits its own rows, numbered across the job, and no part is left behind', async () => {
    const s3 = s3Client({
      region: 'us-west-2',
      accessKeyId: servers.s3.accessKeyId,
      secretAccessKey: servers.s3.secretAccessKey,
      endpoint: servers.s3.endpoint,
    });
    const bucket = `split-${uniqueId('b')}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
    mkdirSync(path.join(servers.s3.root, bucket), { recursive: true });
    try {
      const job = await runJob(parallel, {
        exportType: 'ndjson',
        name: 'partitioned',
        compress: true,
        fields: ['channels.email.address'],
        maxRowsPerFile: 1000,
        destination: {
          type: 's3',
          aws_access_key_id: servers.s3.accessKeyId,
          aws_secret_access_key: servers.s3.secretAccessKey,
          aws_bucket: bucket,
          aws_region: 'us-west-2',
          path: '/drops/',
        },
      });
      const object = async (key: string): Promise<Buffer> => {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await got.Body!.transformToByteArray());
      };
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
      expect(keys).toContain('drops/partitioned.manifest.json');
      const stored = new Map<string, Buffer>();
      for (const key of keys) stored.set(key.slice('drops/'.length), await object(key));
      const files = checkSet(
        job,
        stored.get('partitioned.manifest.json') ?? Buffer.alloc(0),
        (name) => stored.get(name) ?? Buffer.alloc(0),
      );
      expect(keys).toHaveLength(files.length + 1);
      // Each of the 3 partitions (about 2,000 contacts) makes at least 2 files.
      expect(files.length).toBeGreaterThanOrEqual(6);
      expect((job.files ?? []).every((f) => f.rows <= 1000 && f.rows > 0)).toBe(true);
      const lines = files.flatMap((bytes) => gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean));
      expect(lines.map((l) => (JSON.parse(l) as Record<string, unknown>)['channels.email.address'])).toEqual(
        emails,
      );
      // The partitions' files waited in internal storage for the join; none is left.
      const partsDir = path.join(parallel.config.storageDir, '.parts', job.jobID);
      expect(() => readdirSync(partsDir)).toThrow();
    } finally {
      s3.destroy();
    }
  });

  it('when CSV goes to FTP, GCS and Azure in files of 2,000 rows, then each gets 3 files and the manifest', async () => {
    const { ftp, gcs, azure } = servers;
    const ftpFolder = `/in/${uniqueId('split')}`;
    const container = `split${uniqueId('c')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
    const credential = new StorageSharedKeyCredential(azure.account, azure.accountKey);
    const blobs = new BlobServiceClient(`${azure.endpoint}/${azure.account}`, credential).getContainerClient(
      container,
    );
    await blobs.create();
    const bucket = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'test-project' }).bucket(
      'partner-bucket',
    );
    const gcsFolder = uniqueId('split');
    const body = { exportType: 'csv', fields: ['channels.email.address'], maxRowsPerFile: 2000 };
    const [ftpJob, gcsJob, azureJob] = await Promise.all([
      runJob(stack, {
        ...body,
        name: 'ftp-set',
        destination: {
          type: 'ftp',
          server: '127.0.0.1',
          port: String(ftp.port),
          username: PARTNER_USER,
          password: servers.partnerPassword,
          path: ftpFolder,
        },
      }),
      runJob(stack, {
        ...body,
        name: 'gcs-set',
        destination: { type: 'gcs', gcs_bucket: 'partner-bucket', path: `/${gcsFolder}` },
      }),
      runJob(stack, {
        ...body,
        name: 'azure-set',
        destination: {
          type: 'azure',
          azure_account: azure.account,
          azure_container: container,
          azure_account_key: azure.accountKey,
        },
      }),
    ]);
    const ftpDir = path.join(ftp.home, ftpFolder);
    const ftpFiles = checkSet(ftpJob, readFileSync(path.join(ftpDir, 'ftp-set.manifest.json')), (name) =>
      readFileSync(path.join(ftpDir, name)),
    );
    const gcsRead = async (name: string): Promise<Buffer> =>
      (await bucket.file(`${gcsFolder}/${name}`).download())[0];
    const gcsStored = new Map<string, Buffer>();
    for (const name of ['gcs-set.manifest.json', ...(gcsJob.files ?? []).map((f) => f.name)])
      gcsStored.set(name, await gcsRead(name));
    const gcsFiles = checkSet(
      gcsJob,
      gcsStored.get('gcs-set.manifest.json') ?? Buffer.alloc(0),
      (name) => gcsStored.get(name) ?? Buffer.alloc(0),
    );
    const azureStored = new Map<string, Buffer>();
    for await (const blob of blobs.listBlobsFlat())
      azureStored.set(blob.name, await blobs.getBlobClient(blob.name).downloadToBuffer());
    expect([...azureStored.keys()].sort()).toEqual([
      'azure-set-part-00001.csv',
      'azure-set-part-00002.csv',
      'azure-set-part-00003.csv',
      'azure-set.manifest.json',
    ]);
    const azureFiles = checkSet(
      azureJob,
      azureStored.get('azure-set.manifest.json') ?? Buffer.alloc(0),
      (name) => azureStored.get(name) ?? Buffer.alloc(0),
    );
    for (const files of [ftpFiles, gcsFiles, azureFiles]) {
      expect(files).toHaveLength(3);
      const rows = files.flatMap((bytes) => {
        const table: string[][] = parse(bytes.toString('utf8'));
        return table.map((r) => r[0]);
      });
      expect(rows).toEqual(emails);
    }
  });

  it('when a job would need more than 1,000 files, then it fails with split_limit and delivers nothing', async () => {
    const folder = `/upload/${uniqueId('too-many')}`;
    const job = await runJob(stack, {
      exportType: 'csv',
      name: 'too-many',
      fields: ['channels.email.address'],
      maxRowsPerFile: 5,
      destination: partnerSftp(folder),
    });
    expect(job.status).toBe('Failed');
    expect(job.error?.code).toBe('split_limit');
    expect(job.error?.message).toContain('more than 1000 files');
    expect(job.files).toBeNull();
    expect(() => readdirSync(path.join(servers.sftp.chrootBase, PARTNER_USER, folder))).toThrow();
    // Its staging files are gone with it.
    const staged = readdirSync(stack.config.stagingDir).filter((name) => name.startsWith(job.jobID));
    expect(staged).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['maxRowsPerFile of 0', { maxRowsPerFile: 0 }, 'maxRowsPerFile'],
    ['maxRowsPerFile as text', { maxRowsPerFile: '1000' }, 'maxRowsPerFile'],
    ['a fractional maxRowsPerFile', { maxRowsPerFile: 10.5 }, 'maxRowsPerFile'],
    ['maxFileSizeMB of 0', { maxFileSizeMB: 0 }, 'maxFileSizeMB'],
    ['a negative maxFileSizeMB', { maxFileSizeMB: -5 }, 'maxFileSizeMB'],
  ])(
    'when the request has %s, then POST answers 400 naming the field and starts nothing',
    async (_case, extra, field) => {
      const res = await stack.request<ErrorBody>('POST', '/contactexports', { exportType: 'csv', ...extra });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d) => d.path)).toEqual([field]);
    },
  );
});
