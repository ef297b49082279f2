import { seedStore } from '../../src/seed/seed-store';
import { deliveryAttempts, runJob } from '../helpers/deliveries';
import { waitForJob } from '../helpers/jobs';
import { testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

interface ErrorBody {
  error: { code: string; details: { path: string; message: string }[] };
}

describe('hostile input', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // As in production: destinations on private addresses are refused.
    stack = await startTestStack({
      config: testConfig({ ALLOW_PRIVATE_DESTINATIONS: 'false', JOBS_RATE_LIMIT: '100000' }),
    });
    await seedStore(stack.db, { contacts: 10 });
  });
  afterAll(() => stack?.stop());

  it.each(['127.0.0.1', 'localhost', '10.1.2.3', '169.254.169.254', '::1', '2130706433', '192.168.0.10'])(
    'when an SFTP destination is %s, then 422 refuses it before any job exists',
    async (server) => {
      const res = await stack.request<ErrorBody>('POST', '/contactexports', {
        exportType: 'csv',
        destination: { type: 'sftp', server, port: 22, username: 'u', password: 'p' },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual([
        { path: 'destination.server', message: expect.stringContaining('loopback/private/link-local') },
      ]);
    },
  );

  it('when a host passed the submission check but is private at delivery (DNS changed), then the worker refuses it before connecting', async () => {
    // A gateway that let a loopback address through, and this stack's worker, which does not.
    const lenient = await startTestStack({
      worker: false,
      config: { ...stack.config, allowPrivateDestinations: true, port: 0 },
    });
    try {
      const created = await lenient.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        destination: { type: 'ftp', server: '127.0.0.1', port: 21, username: 'u', password: 'p' },
      });
      expect(created.status).toBe(202);
      const job = (await waitForJob(stack, created.body.jobID)).job;
      expect(job.status).toBe('Failed');
      expect(job.error).toMatchObject({
        code: 'destination_not_found',
        message: expect.stringContaining('resolves to 127.0.0.1, a loopback/private/link-local address'),
      });
      expect(await deliveryAttempts(stack, job.jobID)).toBe(1);
    } finally {
      await lenient.stop();
    }
  });

  it('when a public host cannot be resolved, then the job is accepted and fails at delivery with a clear message', async () => {
    const job = await runJob(stack, {
      exportType: 'csv',
      destination: { type: 'sftp', server: 'partner.invalid', port: 22, username: 'u', password: 'p' },
    });
    expect(job.status).toBe('Failed');
    expect(job.error?.message).toBe('host "partner.invalid" does not resolve: check destination.server');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a name with a slash', { name: '../../etc/passwd' }, 'name'],
    ['a name with a NUL', { name: 'a\u0000b' }, 'name'],
    [
      'a path escaping its folder',
      {
        destination: {
          type: 'ftp',
          server: 'ftp.example.com',
          port: 21,
          username: 'u',
          password: 'p',
          path: '/in/../../../etc',
        },
      },
      'destination.path',
    ],
    [
      'a backslash path',
      {
        destination: {
          type: 'ftp',
          server: 'ftp.example.com',
          port: 21,
          username: 'u',
          password: 'p',
          path: '..\\..\\x',
        },
      },
      'destination.path',
    ],
    [
      'an S3 key escaping',
      {
        destination: {
          type: 's3',
          aws_access_key_id: 'A',
          aws_secret_access_key: 'S',
          aws_bucket: 'bkt',
          aws_region: 'us-east-1',
          path: 'a/../../b.csv',
        },
      },
      'destination.path',
    ],
    [
      'a control character in a path',
      { destination: { type: 'gcs', gcs_bucket: 'bkt', path: '/x\r\nDELE y' } },
      'destination.path',
    ],
    ['a field with a $ operator', { fields: ['$where'] }, 'fields.0'],
  ])('when the request has %s, then 400', async (_case, extra, path) => {
    const res = await stack.request<ErrorBody>('POST', '/contactexports', { exportType: 'csv', ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path)).toContain(path);
  });

  it('when pages and API answers are served, then they carry the security headers', async () => {
    for (const path of ['/ui/', '/docs/', '/jobs', '/healthz']) {
      const res = await fetch(`${stack.url}${path}`);
      expect({ path, csp: res.headers.get('content-security-policy') }).toEqual({
        path,
        csp: expect.stringContaining("frame-ancestors 'none'"),
      });
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('when 40 oversized and malformed bodies arrive at once, then each gets a 4xx and the gateway stays healthy', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const attempts = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? stack.request('POST', '/contactexports', undefined, {
            raw: `{"exportType":"csv","name":"${big}"}`,
            headers: { 'content-type': 'application/json' },
          })
        : stack.request('POST', '/contactexports', undefined, {
            raw: `{"exportType": [${'['.repeat(i * 100)}`,
            headers: { 'content-type': 'application/json' },
          }),
    );
    const statuses = (await Promise.all(attempts)).map((r) => r.status);
    expect(statuses.filter((s) => s === 413)).toHaveLength(20);
    expect(statuses.filter((s) => s === 400)).toHaveLength(20);
    expect((await stack.request('GET', '/healthz', undefined, { apiKey: null })).status).toBe(200);
    expect((await stack.request('POST', '/contactexports', { exportType: 'csv' })).status).toBe(202);
  });
});
