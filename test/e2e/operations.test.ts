import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { freePort, type ManagedProcess } from '../../src/devstack/processes';
import { seedStore } from '../../src/seed/seed-store';
import { runJob } from '../helpers/deliveries';
import { TEST_API_KEY, testEnv, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitForJob } from '../helpers/jobs';
import { startWorkerProcess } from '../helpers/worker-process';

const cli = path.resolve(__dirname, '..', '..', 'bin', 'contact-exports.js');

/** The value of one sample line, e.g. `name{label="x"} 3`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = text
    .split('\n')
    .find((l) =>
      l.startsWith(`${name}{`) || l.startsWith(`${name} `)
        ? Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))
        : false,
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('operations: health, metrics, and the operator CLI', () => {
  let stack: TestStack;
  let worker: ManagedProcess;
  let workerMetricsPort: number;

  beforeAll(async () => {
    workerMetricsPort = await freePort();
    const env = testEnv({ METRICS_PORT: String(workerMetricsPort), DESTINATION_TIMEOUT: '5s' });
    stack = await startTestStack({ worker: false, config: loadConfig(env) });
    await seedStore(stack.db, { contacts: 777 });
    worker = await startWorkerProcess(env, 'worker-metrics');
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  it('when asked, then /healthz says the process is up and /readyz that Temporal and MongoDB answer', async () => {
    expect((await stack.request('GET', '/healthz', undefined, { apiKey: null })).body).toEqual({
      status: 'ok',
    });
    const ready = await stack.request('GET', '/readyz', undefined, { apiKey: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { temporal: 'ok', mongodb: 'ok' } });
  });

  it('when jobs have run, then the gateway and worker metrics count them, and the worker exports the Temporal SDK metrics', async () => {
    const done = await runJob(stack, { exportType: 'csv', compress: true });
    expect(done.status).toBe('Done');
    const failed = await runJob(stack, {
      exportType: 'csv',
      destination: { type: 'ftp', server: 'no-such-host.invalid', port: 21, username: 'u', password: 'p' },
    });
    expect(failed.status).toBe('Failed');

    const gateway = (await stack.request<string>('GET', '/metrics', undefined, { apiKey: null })).text;
    expect(sample(gateway, 'contact_exports_jobs_started_total', { destination: 'aws' })).toBe(1);
    expect(sample(gateway, 'contact_exports_jobs_started_total', { destination: 'ftp' })).toBe(1);
    expect(
      sample(gateway, 'contact_exports_http_requests_total', {
        method: 'POST',
        route: '/contactexports',
        status: '202',
      }),
    ).toBe(2);

    const workerText = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
    expect(
      sample(workerText, 'contact_exports_jobs_ended_total', { status: 'Done', destination: 'aws' }),
    ).toBe(1);
    expect(
      sample(workerText, 'contact_exports_jobs_ended_total', { status: 'Failed', destination: 'ftp' }),
    ).toBe(1);
    expect(sample(workerText, 'contact_exports_rows_exported_total', { format: 'csv+gzip' })).toBe(777);
    expect(sample(workerText, 'contact_exports_bytes_exported_total', { format: 'csv+gzip' })).toBe(
      done.file?.bytes,
    );
    expect(sample(workerText, 'contact_exports_export_duration_seconds_count', { format: 'csv+gzip' })).toBe(
      1,
    );
    expect(sample(workerText, 'contact_exports_upload_duration_seconds_count', { destination: 'aws' })).toBe(
      1,
    );
    // The Temporal SDK's own metrics, from the Rust core, on the same endpoint.
    expect(workerText).toMatch(/^temporal_workflow_completed\{/m);
    expect(workerText).toMatch(/^temporal_activity_execution_latency/m);
  });

  describe('the operator CLI (npx contact-exports)', () => {
    // Asynchronous: the gateway answering the CLI runs in this very process.
    const run = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [cli, ...args, '--url', stack.url, '--key', TEST_API_KEY],
          { encoding: 'utf8', timeout: 120_000 },
          (err, stdout, stderr) => {
            resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
          },
        );
      });

    it('when an export is submitted with --watch, then a progress bar runs and the command exits 0 on Done', async () => {
      const result = await run(
        'submit',
        '--type',
        'csv',
        '--name',
        'from-cli',
        '--header',
        '--fields',
        'channels.email.address,first_name',
        '--watch',
      );
      expect(result.stderr).toMatch(/job [0-9a-f]{8} \[#+\] 100% 777\/777/);
      expect(result.stdout).toMatch(/^[0-9a-f-]{36} {2}from-cli\n[0-9a-f-]{36} {2}Done/m);
      expect(result.status).toBe(0);
    });

    it('when listing, showing, downloading and cancelling, then each answers as the API does', async () => {
      const listed = await run('list', '--name', 'from-cli', '--json');
      const jobs = JSON.parse(listed.stdout) as { jobID: string; status: string }[];
      expect(jobs.map((j) => j.status)).toEqual(['Done']);
      const jobID = jobs[0].jobID;
      expect((await run('status', jobID)).stdout).toMatch(new RegExp(`^${jobID}  Done`));

      const target = path.join(testServers().runDir, `${uniqueId('cli')}.csv`);
      const downloaded = await run('download', jobID, '--output', target);
      expect(downloaded.status).toBe(0);
      expect(readFileSync(target, 'utf8').trim().split('\n')).toHaveLength(778);

      const cancel = await run('cancel', jobID);
      expect(cancel.status).toBe(2);
      expect(cancel.stderr).toContain('409');
      expect(cancel.stderr).toContain('has already ended');
    });

    it('when a split job is downloaded with --all, then every file and the manifest land in --dir, checked against their sha256', async () => {
      const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
        exportType: 'csv',
        name: 'cli-split',
        fields: ['channels.email.address'],
        maxRowsPerFile: 300,
      });
      const { job } = await waitForJob(stack, created.body.jobID, undefined, 60_000);
      expect(job.files).toHaveLength(3);
      const refused = await run('download', job.jobID);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('split into 3 files');
      const dir = path.join(testServers().runDir, uniqueId('cli-set'));
      const downloaded = await run('download', job.jobID, '--all', '--dir', dir);
      expect(downloaded.status).toBe(0);
      expect(readdirSync(dir).sort()).toEqual([
        'cli-split-part-00001.csv',
        'cli-split-part-00002.csv',
        'cli-split-part-00003.csv',
        'cli-split.manifest.json',
      ]);
      expect(downloaded.stdout.trim().split('\n').pop()).toBe(path.join(dir, 'cli-split.manifest.json'));
      const lines = ['00001', '00002', '00003'].flatMap((n) =>
        readFileSync(path.join(dir, `cli-split-part-${n}.csv`), 'utf8')
          .trim()
          .split('\n'),
      );
      expect(lines).toHaveLength(777);
    });

    it('when schedules are managed from the CLI, then create, list, show, trigger, pause and delete act on the API', async () => {
      const created = await run(
        'schedules',
        'create',
        '--name',
        'cli-nightly',
        '--cron',
        '0 2 29 2 *',
        '--timezone',
        'Europe/Berlin',
        '--incremental',
        'true',
        '--type',
        'csv',
        '--fields',
        'channels.email.address',
        '--json',
      );
      expect(created.status).toBe(0);
      const schedule = JSON.parse(created.stdout) as { scheduleID: string; incremental: boolean };
      expect(schedule.incremental).toBe(true);
      const id = schedule.scheduleID;
      try {
        const listed = await run('schedules', 'list');
        expect(listed.stdout).toMatch(
          new RegExp(
            `^${id}  active  cli-nightly  cron "0 2 29 2 \\*" Europe/Berlin  incremental \\(watermark none yet\\)`,
            'm',
          ),
        );
        expect((await run('schedules', 'trigger', id)).status).toBe(0);
        let jobs: { jobID: string; status: string; scheduleID: string }[] = [];
        for (let i = 0; i < 300 && !jobs.some((j) => j.status === 'Done'); i++) {
          await new Promise((r) => setTimeout(r, 200));
          jobs = JSON.parse((await run('list', '--schedule', id, '--json')).stdout) as typeof jobs;
        }
        expect(jobs.map((j) => [j.status, j.scheduleID])).toEqual([['Done', id]]);
        const shown = await run('schedules', 'show', id);
        expect(shown.stdout).toContain(`${jobs[0]?.jobID}  Done`);
        expect(shown.stdout).toMatch(/incremental \(watermark \d{4}-\d\d-\d\dT/);
        expect((await run('schedules', 'pause', id)).stdout).toMatch(new RegExp(`^${id}  paused`));
      } finally {
        expect((await run('schedules', 'delete', id)).stdout).toBe(`deleted ${id}\n`);
      }
      expect((await run('schedules', 'show', id)).status).toBe(2);
    });

    it('when the request is wrong, then the CLI prints the API’s field errors and exits 2', async () => {
      const result = await run('submit', '--type', 'xml');
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('exportType: expected one of csv, json');
    });
  });
});
