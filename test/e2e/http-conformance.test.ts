import { once } from 'node:events';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config';
import { seedStore } from '../../src/seed/seed-store';
import { waitForJob } from '../helpers/jobs';
import { TEST_API_KEY, testEnv } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';

/** What an outside contract test (Schemathesis) found, each pinned by a test of its own. */
describe('HTTP conformance found by Schemathesis, and a clean worker exit', () => {
  const env = testEnv({ JOBS_RATE_LIMIT: '3' });
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ config: loadConfig(env) });
    await seedStore(stack.db, { contacts: 30 });
  }, 120_000);
  afterAll(() => stack?.stop());

  it('when a port is 1.5, then the error says it must be a whole number', async () => {
    const res = await stack.request<{ error: { message: string } }>('POST', '/contactexports', {
      exportType: 'csv',
      destination: { type: 'ftp', server: 'ftp.example.com', port: 1.5, username: 'u', password: 'p' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('destination.port: expected a whole number');
  });

  it.each([
    ['TRACE', '/lists', 'GET, HEAD'],
    ['PUT', '/healthz', 'GET, HEAD'],
    ['PATCH', '/jobs/abc', 'DELETE, GET, HEAD'],
    ['DELETE', '/contactexports', 'POST'],
  ])('when %s %s is sent, then 405 says which methods the path allows', async (method, path, allow) => {
    // fetch refuses TRACE, so a plain HTTP request.
    const res = await new Promise<{ status: number; allow: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = http.request(`${stack.url}${path}`, {
          method,
          headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` },
        });
        req.on('response', (r) => {
          let body = '';
          r.on('data', (chunk: Buffer) => (body += chunk.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, allow: r.headers.allow, body }));
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(res.status).toBe(405);
    expect(res.allow).toBe(allow);
    expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    expect((await stack.request('GET', '/no/such/path')).status).toBe(404);
  });

  it('when a page cursor was not made by the gateway for this query, then 400 at once; a real one pages on', async () => {
    for (let i = 0; i < 3; i++) {
      const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
      });
      await waitForJob(stack, created.body.jobID);
    }
    for (const cursor of ['abc', 'e30', `${'A'.repeat(40)}.k1~${'0'.repeat(64)}`]) {
      const started = Date.now();
      const res = await stack.request<{ error: { details: { path: string }[] } }>(
        'GET',
        `/jobs?cursor=${cursor}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]?.path).toBe('cursor');
      expect(Date.now() - started).toBeLessThan(1000);
    }
    const first = await stack.request<{ jobs: unknown[]; links: { next: string } }>('GET', '/jobs?limit=2');
    expect(first.body.jobs).toHaveLength(2);
    const second = await stack.request<{ jobs: unknown[] }>('GET', first.body.links.next);
    expect(second.status).toBe(200);
    expect(second.body.jobs.length).toBeGreaterThanOrEqual(1);
    // The same cursor with another filter is not a cursor of that query.
    const cursor = new URL(first.body.links.next, 'http://x').searchParams.get('cursor') ?? '';
    expect((await stack.request('GET', `/jobs?limit=2&status=Done&cursor=${cursor}`)).status).toBe(400);
  });

  it.each(['/jobs?=1', '/jobs?limit=5&=', '/exportschedules?limit=5&=x'])(
    'when a query parameter has no name (%s), then 400 naming the query instead of ignoring it',
    async (url) => {
      const res = await stack.request<{ error: { code: string; details: { path: string }[] } }>('GET', url);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details.map((d) => d.path)).toEqual(['query']);
    },
  );

  it.each([
    ['GET', '/jobs/00000000-0000-4000-8000-000000000000?verbose=true', 'verbose'],
    ['POST', '/contactexports?dryRun=1', 'dryRun'],
    ['GET', '/lists?limit=5', 'limit'],
    ['DELETE', '/audiences/nobody?force', 'force'],
  ])(
    'when %s %s sends a query parameter the operation does not take, then 400 naming it instead of ignoring it',
    async (method, url, name) => {
      const res = await stack.request<{
        error: { code: string; details: { path: string; message: string }[] };
      }>(method, url, method === 'POST' ? { exportType: 'csv' } : undefined);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details).toEqual([
        { path: name, message: 'unknown query parameter (this operation takes none)' },
      ]);
    },
  );

  it('when a query string has empty segments (a trailing &), then they are not parameters', async () => {
    expect((await stack.request('GET', '/jobs?limit=2&')).status).toBe(200);
    expect((await stack.request('GET', '/lists?')).status).toBe(200);
  });

  it('when requests are refused, then they do not count against the job-creation rate limit', async () => {
    // This key created 3 jobs above, a minute's worth with JOBS_RATE_LIMIT=3, so use a fresh window.
    const fresh = await startTestStack({
      config: loadConfig({ ...env, TEMPORAL_TASK_QUEUE: `${env.TEMPORAL_TASK_QUEUE}-rl` }),
      worker: false,
    });
    try {
      for (let i = 0; i < 5; i++)
        expect((await fresh.request('POST', '/contactexports', { exportType: 'xml' })).status).toBe(400);
      for (let i = 0; i < 3; i++)
        expect((await fresh.request('POST', '/contactexports', { exportType: 'csv' })).status).toBe(202);
      const limited = await fresh.request('POST', '/contactexports', { exportType: 'csv' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await fresh.stop();
    }
  });

  it('when the worker gets one SIGTERM, then it stops and exits 0', async () => {
    const worker = await startWorkerProcess(testEnv(), 'worker-sigterm');
    const exited = once(worker.child, 'exit');
    const started = Date.now();
    worker.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(readFileSync(worker.logFile ?? '', 'utf8')).toContain('"worker stopped"');
  }, 60_000);
});
