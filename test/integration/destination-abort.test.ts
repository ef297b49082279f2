import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { MongoClient } from 'mongodb';
import { parseKeyring } from '../../src/crypto/keyring';
import { AzureAdapter } from '../../src/destinations/azure';
import { FtpAdapter } from '../../src/destinations/ftp';
import { GcsAdapter } from '../../src/destinations/gcs';
import { S3Adapter } from '../../src/destinations/s3';
import { s3Client } from '../../src/net/s3-client';
import { SftpAdapter } from '../../src/destinations/sftp';
import type { DestinationAdapter, UploadRequest } from '../../src/destinations/types';
import type { Destination } from '../../src/jobs/types';
import { TEST_ENCRYPTION_KEYS, testServers, uniqueId } from '../helpers/servers';
import { PARTNER_USER } from '../servers/system-users';

const servers = testServers();
const localFile = path.join(servers.runDir, 'abort-64mb.bin');
const SIZE = 64 * 1024 * 1024;

/** Uploads 64 MB and aborts at the first progress report; returns the rejection. */
async function abortMidway<D extends Destination>(
  adapter: DestinationAdapter<D>,
  destination: D,
): Promise<unknown> {
  const controller = new AbortController();
  let firstProgress = -1;
  const request: UploadRequest = {
    jobID: uniqueId('job'),
    owner: 'key_test',
    localPath: localFile,
    fileName: 'cancelled.bin',
    contentType: 'application/octet-stream',
    bytes: SIZE,
    signal: controller.signal,
    onProgress: (bytes) => {
      if (firstProgress < 0 && bytes > 0) {
        firstProgress = bytes;
        controller.abort(new Error('cancelled by test'));
      }
    },
  };
  const outcome = await adapter.upload(destination, request).then(
    () => 'completed',
    (err: unknown) => err,
  );
  expect(firstProgress).toBeGreaterThan(0);
  expect(firstProgress).toBeLessThan(SIZE);
  return outcome;
}

describe('a cancelled upload leaves nothing at the destination', () => {
  let mongo: MongoClient;
  beforeAll(async () => {
    writeFileSync(localFile, randomBytes(SIZE));
    mongo = await MongoClient.connect(`${servers.mongoUri}/${uniqueId('abort')}`);
  });
  afterAll(() => mongo?.close());

  it('FTP: no temporary or final file remains', async () => {
    // basic-ftp reports progress on a timer and loopback is fast: a named pipe keeps the upload
    // in flight, and the test aborts once the temporary file exists on the server.
    const folder = `/abort-${uniqueId('f')}`;
    const fifo = path.join(servers.runDir, `${uniqueId('fifo')}.pipe`);
    execFileSync('mkfifo', [fifo]);
    const controller = new AbortController();
    const feeding = (async () => {
      const handle = await open(fifo, 'w');
      try {
        for (let i = 0; i < 200 && !controller.signal.aborted; i++) {
          await handle.write(randomBytes(256 * 1024));
          await new Promise((r) => setTimeout(r, 20));
        }
      } catch {
        // The reader went away: the upload was cancelled.
      } finally {
        await handle.close();
      }
    })();
    const serverFolder = path.join(servers.ftp.home, folder);
    const watcher = setInterval(() => {
      if (existsSync(serverFolder) && readdirSync(serverFolder).length > 0)
        controller.abort(new Error('cancelled by test'));
    }, 10);
    const outcome = await new FtpAdapter({ allowPrivate: true, tls: 'off', timeoutMs: 10_000 })
      .upload(
        {
          type: 'ftp',
          server: '127.0.0.1',
          port: servers.ftp.port,
          username: PARTNER_USER,
          password: servers.partnerPassword,
          path: folder,
        },
        {
          jobID: uniqueId('job'),
          owner: 'key_test',
          localPath: fifo,
          fileName: 'cancelled.bin',
          contentType: 'application/octet-stream',
          bytes: 0,
          signal: controller.signal,
          onProgress: () => undefined,
        },
      )
      .then(
        () => 'completed',
        (err: unknown) => err,
      );
    clearInterval(watcher);
    await feeding;
    expect(outcome).toEqual(new Error('cancelled by test'));
    expect(readdirSync(serverFolder)).toEqual([]);
  });

  it('SFTP: no temporary or final file remains', async () => {
    const folder = `/upload/abort-${uniqueId('s')}`;
    const adapter = new SftpAdapter({
      allowPrivate: true,
      requireHostKey: false,
      timeoutMs: 10_000,
      db: mongo.db(),
      keyring: parseKeyring(TEST_ENCRYPTION_KEYS),
    });
    const outcome = await abortMidway(adapter, {
      type: 'sftp',
      server: '127.0.0.1',
      port: servers.sftp.port,
      username: PARTNER_USER,
      password: servers.partnerPassword,
      path: folder,
    });
    expect(outcome).toEqual(new Error('cancelled by test'));
    expect(readdirSync(path.join(servers.sftp.chrootBase, PARTNER_USER, folder))).toEqual([]);
  });

  it('S3: the multipart upload is aborted and no object exists', async () => {
    const bucket = uniqueId('abort');
    mkdirSync(path.join(servers.s3.root, bucket));
    const outcome = await abortMidway(new S3Adapter({ endpoint: servers.s3.endpoint, timeoutMs: 10_000 }), {
      type: 's3',
      aws_access_key_id: servers.s3.accessKeyId,
      aws_secret_access_key: servers.s3.secretAccessKey,
      aws_bucket: bucket,
      aws_region: 'us-west-2',
      path: 'x',
    });
    expect(outcome).toEqual(new Error('cancelled by test'));
    const client = s3Client({
      region: 'us-west-2',
      accessKeyId: servers.s3.accessKeyId,
      secretAccessKey: servers.s3.secretAccessKey,
      endpoint: servers.s3.endpoint,
    });
    // The abort of the multipart upload completes just after the rejection.
    let uploads: unknown[] = [1];
    for (let i = 0; i < 40 && uploads.length > 0; i++) {
      uploads = (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
      if (uploads.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(uploads).toEqual([]);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).toEqual([]);
    client.destroy();
  });

  it('GCS: no object is created', async () => {
    const storage = new Storage({ apiEndpoint: servers.gcs.endpoint, projectId: 'p' });
    const bucket = uniqueId('abort');
    await storage.createBucket(bucket);
    const outcome = await abortMidway(new GcsAdapter({ apiEndpoint: servers.gcs.endpoint, projectId: 'p' }), {
      type: 'gcs',
      gcs_bucket: bucket,
      path: 'x',
    });
    expect(outcome).toEqual(new Error('cancelled by test'));
    const [files] = await storage.bucket(bucket).getFiles();
    expect(files.map((f) => f.name)).toEqual([]);
  });

  it('Azure: staged blocks are never committed, so no blob exists', async () => {
    const { account, accountKey, endpoint } = servers.azure;
    const service = new BlobServiceClient(
      `${endpoint}/${account}`,
      new StorageSharedKeyCredential(account, accountKey),
    );
    const container = `abort-${uniqueId('a')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
    await service.createContainer(container);
    const outcome = await abortMidway(new AzureAdapter({ endpoint, timeoutMs: 10_000 }), {
      type: 'azure',
      azure_account: account,
      azure_container: container,
      azure_account_key: accountKey,
      path: 'x',
    });
    expect(outcome).toEqual(new Error('cancelled by test'));
    const names: string[] = [];
    for await (const blob of service.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
    expect(names).toEqual([]);
  });
});
