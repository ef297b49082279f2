import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3Client } from '../../src/net/s3-client';
import { purgeScheduleId } from '../../src/jobs/purge-schedule';
import { seedStore } from '../../src/seed/seed-store';
import { runJob } from '../helpers/deliveries';
import { TEST_API_KEY, OTHER_API_KEY, testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

const auth = (key = TEST_API_KEY) => ({
  authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
});

function filesUnder(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : [];
}

describe('internal storage (destination "aws"): downloads, ranges, expiry', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Files expire after 4 s and the purge Schedule runs every 2 s, so expiry is observable here.
    stack = await startTestStack({
      config: testConfig({ STORAGE_RETENTION: '4s', PURGE_INTERVAL: '2s', PROGRESS_INTERVAL: '50ms' }),
    });
    await seedStore(stack.db, { contacts: 500 });
  });
  afterAll(() => stack?.stop());

  it('when downloaded, then the headers say what the file is, and a Range request gets that slice', async () => {
    const job = await runJob(stack, { exportType: 'csv', name: 'ranges', showHeader: true });
    const url = `${stack.url}/jobs/${job.jobID}/download`;
    const full = await fetch(url, { headers: auth() });
    const body = Buffer.from(await full.arrayBuffer());
    expect(full.headers.get('content-disposition')).toBe('attachment; filename=ranges.csv');
    expect(full.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(Number(full.headers.get('content-length'))).toBe(job.file?.bytes);
    expect(full.headers.get('accept-ranges')).toBe('bytes');

    const part = await fetch(url, { headers: { ...auth(), range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${body.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(body.subarray(100, 200));
    const beyond = await fetch(url, { headers: { ...auth(), range: `bytes=${body.length + 10}-` } });
    expect(beyond.status).toBe(416);

    expect((await fetch(url, { headers: auth(OTHER_API_KEY) })).status).toBe(404);
  });

  it('when the retention passes, then the Schedule purges the file and the download answers 410 Gone', async () => {
    const job = await runJob(stack, { exportType: 'csv', name: 'short-lived' });
    expect(job.expiresAt).not.toBeNull();
    expect(Date.parse(job.expiresAt ?? '') - Date.parse(job.times.end ?? '')).toBeLessThan(6000);
    const url = `${stack.url}/jobs/${job.jobID}/download`;
    expect((await fetch(url, { headers: auth() })).status).toBe(200);
    expect(filesUnder(stack.config.storageDir)).toContain('short-lived.csv');

    const schedule = await stack.client.schedule.getHandle(purgeScheduleId(stack.config)).describe();
    expect(schedule.spec.intervals?.[0]?.every).toBe(2000);
    for (let i = 0; i < 60 && filesUnder(stack.config.storageDir).includes('short-lived.csv'); i++)
      await new Promise((r) => setTimeout(r, 250));
    expect(filesUnder(stack.config.storageDir)).not.toContain('short-lived.csv');

    const gone = await fetch(url, { headers: auth() });
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('gone');
  });
});

describe('internal storage in an S3-compatible bucket (STORAGE_S3_BUCKET)', () => {
  it('when exports go to internal storage, then they land in the bucket and download through the gateway', async () => {
    const servers = testServers();
    const bucket = uniqueId('internal');
    mkdirSync(path.join(servers.s3.root, bucket), { recursive: true });
    const stack = await startTestStack({
      config: testConfig({
        STORAGE_S3_BUCKET: bucket,
        STORAGE_S3_PREFIX: 'exports',
        STORAGE_S3_REGION: 'us-west-2',
        STORAGE_S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
        STORAGE_S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
      }),
    });
    try {
      await seedStore(stack.db, { contacts: 300 });
      const job = await runJob(stack, { exportType: 'csv', name: 'in-bucket', showHeader: true });
      expect(job.status).toBe('Done');
      const client = s3Client({
        region: 'us-west-2',
        accessKeyId: servers.s3.accessKeyId,
        secretAccessKey: servers.s3.secretAccessKey,
        endpoint: servers.s3.endpoint,
      });
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      client.destroy();
      expect(listed.Contents?.map((c) => c.Key)).toEqual([
        expect.stringMatching(new RegExp(`^exports/key_[0-9a-f]+/${job.jobID}/in-bucket\\.csv$`)),
      ]);
      expect(filesUnder(stack.config.storageDir)).toEqual([]);
      // The gateway answers with a presigned URL to the bucket; the bytes never pass through it.
      const redirect = await fetch(`${stack.url}/jobs/${job.jobID}/download`, {
        headers: auth(),
        redirect: 'manual',
      });
      expect(redirect.status).toBe(302);
      const location = new URL(redirect.headers.get('location') ?? '');
      expect(location.origin).toBe(new URL(servers.s3.endpoint).origin);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('900');
      expect(location.searchParams.get('X-Amz-Credential')).toMatch(/\/us-west-2\/s3\/aws4_request$/);
      expect(redirect.headers.get('location')).not.toContain(servers.s3.secretAccessKey);
      // The URL alone downloads (no API key, no S3 credentials), as an attachment of the right type.
      const direct = await fetch(location);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(direct.headers.get('content-disposition')).toBe('attachment; filename="in-bucket.csv"');
      expect((await direct.text()).split('\n')).toHaveLength(302);
      // Clients that follow redirects (the CLI, curl -L) get the file, Range included.
      const followed = await fetch(`${stack.url}/jobs/${job.jobID}/download`, { headers: auth() });
      expect(followed.status).toBe(200);
      expect((await followed.text()).split('\n')).toHaveLength(302);
      const part = await fetch(`${stack.url}/jobs/${job.jobID}/download`, {
        headers: { ...auth(), range: 'bytes=0-9' },
      });
      expect(part.status).toBe(206);
      expect(await part.text()).toBe('channels.e');
      // A tampered URL is refused by the bucket.
      location.searchParams.set('X-Amz-Expires', '604800');
      expect((await fetch(location)).status).toBe(403);
      // Asked for JSON (the Jobs page, which cannot follow a redirect to another origin), the URL.
      const asJson = await stack.request<{ url: string; expiresInSeconds: number }>(
        'GET',
        `/jobs/${job.jobID}/download`,
        undefined,
        { headers: { accept: 'application/json' } },
      );
      expect(asJson.status).toBe(200);
      expect(asJson.headers.get('x-download-link')).toBe('presigned');
      expect(asJson.body.expiresInSeconds).toBe(900);
      expect((await fetch(asJson.body.url)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});
