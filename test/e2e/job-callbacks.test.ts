import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findTool } from '../../src/devstack/binaries';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { verifyWebhook, webhookKey } from '../../src/webhooks/signature';
import { recordHistory } from '../helpers/histories';
import { waitForJob } from '../helpers/jobs';
import { testConfig, testServers } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

type ErrorBody = { error: { code: string; details: { path: string; message: string }[] } };

/** A local receiver: answers each request with the next status in `plan` (then the last one). */
async function startReceiver(plan: number[]): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      });
      res.statusCode = plan[Math.min(received.length - 1, plan.length - 1)] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** Job-ended callbacks signed per Standard Webhooks, retried as a Temporal activity. */
describe('job-ended callbacks (callbackUrl, Standard Webhooks)', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const key = webhookKey(secret);
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig({ WEBHOOK_SECRET: secret }) });
    await seedStore(stack.db, { contacts: 500 });
  });
  afterAll(() => stack?.stop());

  const verified = (r: Received): boolean =>
    verifyWebhook(
      key,
      {
        id: String(r.headers['webhook-id']),
        timestamp: String(r.headers['webhook-timestamp']),
        signature: String(r.headers['webhook-signature']),
      },
      r.body,
    );

  it('when the receiver answers 500 once, then the callback is retried with the same webhook-id, both signed, and the job shows it delivered', async () => {
    const receiver = await startReceiver([500, 200]);
    try {
      const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        name: 'called-back',
        callbackUrl: `${receiver.url}/hooks/exports?token=s3cr3t-token`,
      });
      expect(created.status).toBe(202);
      const { job } = await waitForJob(
        stack,
        created.body.jobID,
        (j) => j.callback?.status === 'delivered',
        60_000,
      );
      expect(job.status).toBe('Done');
      expect(job.callback).toEqual({
        url: `${receiver.url}/hooks/exports`,
        status: 'delivered',
        attempts: 2,
        detail: 'HTTP 200',
      });
      expect(receiver.received).toHaveLength(2);
      const [first, second] = receiver.received;
      expect(first?.path).toBe('/hooks/exports?token=s3cr3t-token');
      expect(first?.headers['webhook-id']).toBe(`msg_${job.jobID}`);
      expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
      expect(receiver.received.every(verified)).toBe(true);
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1500);
      const event = JSON.parse(second?.body ?? '{}') as { type: string; timestamp: string; data: JobView };
      expect(event.type).toBe('contactexport.done');
      expect(event.data).toMatchObject({ jobID: job.jobID, status: 'Done', file: { rows: 500 } });
      // The token in the URL is not in the job's views.
      expect(JSON.stringify(job)).not.toContain('s3cr3t-token');
      const listed = await stack.request('GET', '/jobs?limit=100');
      expect(listed.text).not.toContain('s3cr3t-token');
      // Nor is the signing secret anywhere in the job's history.
      const history = execFileSync(
        findTool('temporal'),
        [
          'workflow',
          'show',
          '--address',
          testServers().temporalAddress,
          '-w',
          `contactexport-${job.jobID}`,
          '-o',
          'json',
        ],
        { encoding: 'utf8' },
      );
      expect(history).not.toContain(secret.slice(6, 30));
      await recordHistory(stack.client, job.jobID, 'callback-delivered');
    } finally {
      receiver.server.close();
    }
  });

  it('when a job fails or is cancelled, then the callback says so', async () => {
    const receiver = await startReceiver([204]);
    try {
      const failed = await stack.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        callbackUrl: `${receiver.url}/failed`,
        destination: {
          type: 'sftp',
          server: '127.0.0.1',
          port: testServers().sftp.port,
          username: 'nobody-here',
          password: 'wrong',
        },
      });
      const cancelled = await stack.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        callbackUrl: `${receiver.url}/cancelled`,
      });
      await stack.request('DELETE', `/jobs/${cancelled.body.jobID}`);
      for (const jobID of [failed.body.jobID, cancelled.body.jobID])
        await waitForJob(stack, jobID, (j) => j.callback?.status === 'delivered', 60_000);
      const types = Object.fromEntries(
        receiver.received.map((r) => [r.path, (JSON.parse(r.body) as { type: string }).type]),
      );
      expect(types).toEqual({ '/failed': 'contactexport.failed', '/cancelled': 'contactexport.cancelled' });
      expect(receiver.received.every(verified)).toBe(true);
    } finally {
      receiver.server.close();
    }
  });

  it('when the receiver never accepts within the window, then the callback is given up and the job stays Done', async () => {
    const receiver = await startReceiver([503]);
    const shortWindow = await startTestStack({
      config: testConfig({
        WEBHOOK_SECRET: secret,
        WEBHOOK_RETRY_WINDOW: '5s',
        MONGODB_URI: stack.config.mongodbUri,
      }),
    });
    try {
      const created = await shortWindow.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        callbackUrl: `${receiver.url}/down`,
      });
      const { job } = await waitForJob(
        shortWindow,
        created.body.jobID,
        (j) => j.callback?.status === 'failed',
        60_000,
      );
      expect(job.status).toBe('Done');
      expect(job.callback).toMatchObject({ status: 'failed', attempts: null });
      expect(receiver.received.length).toBeGreaterThanOrEqual(2);
    } finally {
      receiver.server.close();
      await shortWindow.stop();
    }
  });

  it('when the request cannot have a callback, then POST answers 4xx naming callbackUrl', async () => {
    const ftp = await stack.request<ErrorBody>('POST', '/contactexports', {
      exportType: 'csv',
      callbackUrl: 'ftp://hooks.example.com/x',
    });
    expect(ftp.status).toBe(400);
    expect(ftp.body.error.details.map((d) => d.path)).toEqual(['callbackUrl']);

    const noSecret = await startTestStack({ config: testConfig(), worker: false });
    const guarded = await startTestStack({
      config: testConfig({ WEBHOOK_SECRET: secret, ALLOW_PRIVATE_DESTINATIONS: 'false' }),
      worker: false,
    });
    try {
      const off = await noSecret.request<ErrorBody>('POST', '/contactexports', {
        exportType: 'csv',
        callbackUrl: 'https://hooks.example.com/x',
      });
      expect(off.status).toBe(422);
      expect(off.body.error.code).toBe('callbacks_disabled');
      expect(off.body.error.details.map((d) => d.path)).toEqual(['callbackUrl']);
      const loopback = await guarded.request<ErrorBody>('POST', '/contactexports', {
        exportType: 'csv',
        callbackUrl: 'http://127.0.0.1:9/x',
      });
      expect(loopback.status).toBe(422);
      expect(loopback.body.error.details.map((d) => d.path)).toEqual(['callbackUrl']);
    } finally {
      await noSecret.stop();
      await guarded.stop();
    }
  });
});
