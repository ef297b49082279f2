import { gunzipSync } from 'node:zlib';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { seedStore } from '../../src/seed/seed-store';
import { deliveryAttempts, gzipCsvRows, runJob, storedEmails } from '../helpers/deliveries';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('delivery to Azure Blob Storage (Azurite, shared-key and SAS signatures checked)', () => {
  const servers = testServers();
  const { account, accountKey, endpoint } = servers.azure;
  const credential = new StorageSharedKeyCredential(account, accountKey);
  const service = new BlobServiceClient(`${endpoint}/${account}`, credential);
  const container = `exports-${uniqueId('c')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
  let stack: TestStack;
  let emails: string[];

  /** A container SAS token, as a partner would hand one over. */
  const sasToken = (permissions: string): string =>
    generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3_600_000),
      },
      credential,
    ).toString();

  const withKey = (extra: Record<string, unknown> = {}) => ({
    type: 'azure',
    azure_account: account,
    azure_container: container,
    azure_account_key: accountKey,
    ...extra,
  });

  async function blobNames(): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of service.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
    return names.sort();
  }

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig({ DESTINATION_TIMEOUT: '10s' }) });
    await seedStore(stack.db, { contacts: 3000 });
    emails = await storedEmails(stack.db);
    await service.createContainer(container);
  });
  afterAll(() => stack?.stop());

  it('when a gzip CSV goes to a folder with the account key, then the blob reads back with every contact and its content type', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      compress: true,
      name: 'azure-nightly',
      fields: ['channels.email.address', 'first_name'],
      destination: withKey({ path: '/daily//exports/' }),
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe('Done');
    expect(job.file?.location).toBe(`azure://${account}/${container}/daily/exports/azure-nightly.csv.gz`);
    const blob = service
      .getContainerClient(container)
      .getBlockBlobClient('daily/exports/azure-nightly.csv.gz');
    const bytes = await blob.downloadToBuffer();
    expect(gzipCsvRows(bytes).map((r) => r[0])).toEqual(emails);
    expect((await blob.getProperties()).contentType).toBe('application/gzip');
    // The public view keeps the account and container, never the key.
    expect(job.destination).toEqual({
      type: 'azure',
      azure_account: account,
      azure_container: container,
      path: '/daily//exports/',
    });
    expect(JSON.stringify(job)).not.toContain(accountKey);
  });

  it('when a SAS token with write permission is given, then an NDJSON file arrives as application/x-ndjson, one contact per line', async () => {
    const sas = sasToken('cw');
    const job = await runJob(stack, {
      exportType: 'ndjson',
      name: 'azure-ndjson',
      fields: ['channels.email.address', 'first_name'],
      destination: {
        type: 'azure',
        azure_account: account,
        azure_container: container,
        azure_sas_token: `?${sas}`,
      },
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe('Done');
    const blob = service.getContainerClient(container).getBlockBlobClient('azure-ndjson.ndjson');
    const text = (await blob.downloadToBuffer()).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const rows = text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => Object.values(r)[0])).toEqual(emails);
    expect(Object.keys(rows[0] ?? {})).toHaveLength(2);
    expect((await blob.getProperties()).contentType).toBe('application/x-ndjson');
    expect(JSON.stringify(job)).not.toContain(sas);
  });

  it('when the file is larger than one block (8 MB), then staged blocks are committed once into one whole blob', async () => {
    const bigStack = await startTestStack({ config: testConfig() });
    try {
      await seedStore(bigStack.db, { contacts: 0 });
      await bigStack.db
        .collection('contactattributes')
        .insertOne({ key: 'notes', name: 'Notes', type: 'string', position: 99 });
      await bigStack.db.collection('contacts').insertMany(
        Array.from({ length: 4000 }, (_, i) => ({
          channels: { email: { address: `big${i}@example.com` } },
          notes: 'x'.repeat(2500),
        })),
      );
      const job = await runJob(bigStack, {
        exportType: 'csv',
        name: 'azure-big',
        fields: ['channels.email.address', 'notes'],
        destination: withKey({ path: 'big' }),
      });
      expect(job.error).toBeNull();
      expect(job.status).toBe('Done');
      expect(job.file?.bytes).toBeGreaterThan(9 * 1024 * 1024);
      const blob = service.getContainerClient(container).getBlockBlobClient('big/azure-big.csv');
      const blocks = await blob.getBlockList('all');
      expect(blocks.committedBlocks?.length).toBeGreaterThan(1);
      expect(blocks.uncommittedBlocks ?? []).toEqual([]);
      expect((await blob.getProperties()).contentLength).toBe(job.file?.bytes);
    } finally {
      await bigStack.stop();
    }
  });

  it('when the account key is wrong, then the job fails at once saying so, and the key appears nowhere', async () => {
    const wrongKey = Buffer.from(`wrong-${uniqueId('k')}`).toString('base64');
    const before = await blobNames();
    const job = await runJob(stack, {
      exportType: 'csv',
      destination: withKey({ azure_account_key: wrongKey }),
    });
    expect(job.status).toBe('Failed');
    expect(job.error?.code).toBe('destination_auth_failed');
    expect(job.error?.message).toMatch(/the account key was refused/);
    expect(JSON.stringify(job)).not.toContain(wrongKey);
    expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
    expect(await blobNames()).toEqual(before);
  });

  it('when the SAS token may only read, then the job fails at once as a permission error', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      destination: {
        type: 'azure',
        azure_account: account,
        azure_container: container,
        azure_sas_token: sasToken('r'),
      },
    });
    expect(job.status).toBe('Failed');
    expect(job.error?.code).toBe('destination_permission_denied');
    expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
  });

  it('when the container does not exist, then the job fails at once naming it', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      destination: withKey({ azure_container: 'no-such-container' }),
    });
    expect(job.status).toBe('Failed');
    expect(job.error).toEqual({
      code: 'destination_not_found',
      message: `Azure container 'no-such-container' of account '${account}': no such container`,
    });
    expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
  });

  it.each([
    [{ azure_account_key: undefined }, 'destination.azure_account_key', /exactly one/], // neither
    [{ azure_sas_token: 'sv=2024&sig=x' }, 'destination.azure_sas_token', /exactly one/],
    [{ azure_account: 'Bad_Account' }, 'destination.azure_account', /storage account name/],
    [{ azure_container: 'a--b' }, 'destination.azure_container', /single inner dashes/],
    [{ azure_bucket: 'x' }, 'destination.azure_bucket', /unknown key/],
  ])('when the destination changes by %j, then POST answers 400 naming %s', async (change, path, message) => {
    const res = await stack.request<{ error: { details: { path: string; message: string }[] } }>(
      'POST',
      '/contactexports',
      { exportType: 'csv', destination: withKey(change) },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.find((d) => d.path === path)?.message).toMatch(message);
  });

  it('when gunzipped, the gzip blob equals a plain export of the same request', async () => {
    const plain = await runJob(stack, {
      exportType: 'csv',
      name: 'azure-plain',
      fields: ['channels.email.address', 'first_name'],
      destination: withKey(),
    });
    expect(plain.status).toBe('Done');
    const containerClient = service.getContainerClient(container);
    const zipped = await containerClient
      .getBlockBlobClient('daily/exports/azure-nightly.csv.gz')
      .downloadToBuffer();
    const unzipped = await containerClient.getBlockBlobClient('azure-plain.csv').downloadToBuffer();
    expect(gunzipSync(zipped).equals(unzipped)).toBe(true);
    expect((await containerClient.getBlockBlobClient('azure-plain.csv').getProperties()).contentType).toBe(
      'text/csv; charset=utf-8',
    );
  });
});
