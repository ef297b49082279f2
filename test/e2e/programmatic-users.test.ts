import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  connectContactExports,
  JobAlreadyEndedError,
  JobNotFoundError,
  type ContactExportsClient,
} from '../../src/client';
import { findTool } from '../../src/devstack/binaries';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { waitForJob } from '../helpers/jobs';
import { TEST_API_KEY, testEnv } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { loadConfig } from '../../src/config';

const run = promisify(execFile);
const CONTACTS = 3000;

/**
 * The third kind of user: programs and operators that talk to the workflows, not to HTTP. The
 * official `temporal` CLI through the gateway's codec endpoint, and the typed client.
 */
describe('programmatic users: the temporal CLI through the codec, and contact-exports/client', () => {
  const env = testEnv({ EXPORT_BATCH_SIZE: '100' });
  let stack: TestStack;
  let exportsClient: ContactExportsClient;
  let done: JobView;

  beforeAll(async () => {
    stack = await startTestStack({ config: loadConfig(env) });
    await seedStore(stack.db, { contacts: CONTACTS, batchSize: 3000 });
    exportsClient = await connectContactExports({ env });
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      name: 'cli-visible',
    });
    done = (await waitForJob(stack, created.body.jobID)).job;
  }, 120_000);
  afterAll(async () => {
    await exportsClient?.close();
    await stack?.stop();
  });

  const temporalCli = async (...args: string[]): Promise<string> =>
    (
      await run(
        findTool('temporal'),
        [
          ...args,
          '--address',
          env.TEMPORAL_ADDRESS ?? '',
          '--codec-endpoint',
          `${stack.url}/codec`,
          '--codec-auth',
          `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}`,
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      )
    ).stdout;

  it('when the official CLI queries, shows, describes and fetches the result through the codec, then it prints the job in clear', async () => {
    const workflow = ['-w', `contactexport-${done.jobID}`];
    const query = await temporalCli('workflow', 'query', ...workflow, '--name', 'status');
    expect(query).toContain('cli-visible');
    expect(query).toMatch(/"status":\s*"Done"/);
    const show = await temporalCli('workflow', 'show', ...workflow, '-o', 'json');
    expect(show).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
    const started = (
      JSON.parse(show) as {
        events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[];
      }
    ).events[0]?.workflowExecutionStartedEventAttributes?.input.payloads[0]?.data;
    expect(Buffer.from(started ?? '', 'base64').toString('utf8')).toContain('cli-visible');
    expect(await temporalCli('workflow', 'show', ...workflow)).toContain('cli-visible');
    const describe = await temporalCli('workflow', 'describe', ...workflow, '-o', 'json');
    expect(describe).toContain('cli-visible');
    const result = await temporalCli('workflow', 'result', ...workflow);
    expect(result).toContain('cli-visible');
    expect(result).toContain(String(CONTACTS));
  });

  it('when the codec endpoint gets protobuf JSON with absent or unknown fields, then it answers as Temporal codec servers do', async () => {
    const post = (body: unknown) => stack.request<{ payloads?: unknown[] }>('POST', '/codec/encode', body);
    expect((await post({})).body).toEqual({ payloads: [] });
    expect((await post({ payloads: [{}] })).status).toBe(200);
    const encoded = await post({ payloads: [{ data: Buffer.from('"x"').toString('base64') }], extra: 1 });
    expect(encoded.status).toBe(200);
    const decoded = await stack.request<{ payloads: { data: string }[] }>(
      'POST',
      '/codec/decode',
      encoded.body,
    );
    expect(Buffer.from(decoded.body.payloads[0]?.data ?? '', 'base64').toString()).toBe('"x"');
    expect((await post({ payloads: 'nope' })).status).toBe(400);
  });

  it('when a program uses the typed client, then getJob, listJobs and watch give what GET /jobs gives', async () => {
    const viaHttp = (await stack.request<JobView>('GET', `/jobs/${done.jobID}`)).body;
    expect(await exportsClient.getJob(done.jobID)).toEqual(viaHttp);

    const page = await exportsClient.listJobs({ jobName: 'cli-visible', status: 'Done', limit: 5 });
    expect(page.jobs.map((j) => j.jobID)).toContain(done.jobID);

    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'json',
      name: 'watched',
    });
    const seen: JobView[] = [];
    for await (const view of exportsClient.watch(created.body.jobID, { intervalMs: 50 })) seen.push(view);
    expect(seen.at(-1)?.status).toBe('Done');
    expect(seen.at(-1)?.file?.rows).toBe(CONTACTS);
    expect(seen.some((v) => v.status === 'Processing')).toBe(true);
  });

  it('when a program looks at an export schedule, then Temporal describes its schedule and the typed client lists its jobs', async () => {
    const created = await stack.request<{ scheduleID: string }>('POST', '/exportschedules', {
      name: 'for-programs',
      cron: '0 2 29 2 *',
      export: { exportType: 'csv' },
    });
    expect(created.status).toBe(201);
    const { scheduleID } = created.body;
    try {
      await stack.request('POST', `/exportschedules/${scheduleID}/trigger`);
      let jobs: JobView[] = [];
      for (let i = 0; i < 300 && !jobs.some((j) => j.status === 'Done'); i++) {
        await new Promise((r) => setTimeout(r, 200));
        jobs = (await exportsClient.listJobs({ scheduleID })).jobs;
      }
      expect(jobs.map((j) => [j.status, j.scheduleID])).toEqual([['Done', scheduleID]]);
      const described = await exportsClient.temporal.schedule
        .getHandle(`contactexport-schedule-${scheduleID}`)
        .describe();
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'scheduledExportWorkflow',
      });
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.info.numActionsTaken).toBe(1);
    } finally {
      await stack.request('DELETE', `/exportschedules/${scheduleID}`);
    }
  });

  it('when a program cancels a running job, then it ends Cancelled; unknown and ended jobs are typed errors', async () => {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      name: 'to-cancel',
    });
    await waitForJob(stack, created.body.jobID, (j) => j.status === 'Processing', 60_000, 20);
    await exportsClient.cancel(created.body.jobID);
    const { job } = await waitForJob(stack, created.body.jobID);
    expect(job.status).toBe('Cancelled');

    await expect(exportsClient.getJob('no-such-job')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(exportsClient.cancel('no-such-job')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(exportsClient.cancel(done.jobID)).rejects.toBeInstanceOf(JobAlreadyEndedError);
  });

  it('when another program requires or imports contact-exports/client, then the package export resolves and works', () => {
    const script = `
      const { connectContactExports } = require('contact-exports/client');
      connectContactExports().then(async (c) => {
        const job = await c.getJob(process.argv[1]);
        console.log(job.status, job.file.rows);
        await c.close();
      }).catch((e) => { console.error(e); process.exit(1); });`;
    const root = path.resolve(__dirname, '..', '..');
    const out = execFileSync(process.execPath, ['-e', script, done.jobID], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`Done ${CONTACTS}`);
    const esm = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { connectContactExports, JobNotFoundError } from 'contact-exports/client'; console.log(typeof connectContactExports, typeof JobNotFoundError);",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(esm.trim()).toBe('function function');
  });
});
