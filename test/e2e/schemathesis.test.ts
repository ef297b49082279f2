import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findTool } from '../../src/devstack/binaries';
import { seedStore } from '../../src/seed/seed-store';
import { waitForJob } from '../helpers/jobs';
import { TEST_API_KEY, testConfig, testServers } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

const run = promisify(execFile);
const configFile = path.resolve(__dirname, '..', 'schemathesis', 'schemathesis.toml');

/**
 * An outside contract test: Schemathesis (PyPI) reads the live gateway's /openapi.json and sends
 * what the document allows (and what it does not), with every check. Zero failures.
 */
describe('Schemathesis against the live gateway, every check', () => {
  let stack: TestStack;
  let jobID: string;

  beforeAll(async () => {
    stack = await startTestStack({
      config: testConfig({ JOBS_RATE_LIMIT: '100000', MAX_RUNNING_JOBS_PER_KEY: '100000' }),
    });
    await seedStore(stack.db, { contacts: 50 });
    // Jobs for the job endpoints to find (the document's examples and links name real IDs).
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', { exportType: 'csv' });
    jobID = created.body.jobID;
    await waitForJob(stack, jobID);
  }, 120_000);
  afterAll(async () => {
    // Schedules it created would go on firing on the shared Temporal server: delete them.
    type Page = { schedules: { scheduleID: string }[]; links: { next: string | null } };
    const made: string[] = [];
    for (let next: string | null = '/exportschedules?limit=100'; stack && next;) {
      const page: Page = (await stack.request<Page>('GET', next)).body;
      made.push(...page.schedules.map((s) => s.scheduleID));
      next = page.links.next;
    }
    for (const scheduleID of made) await stack.request('DELETE', `/exportschedules/${scheduleID}`);
    await stack?.stop();
  });

  it('when Schemathesis runs every phase and check, then it finds no failure', async () => {
    const reports = path.join(testServers().runDir, 'schemathesis');
    mkdirSync(reports, { recursive: true });
    let output: string;
    let code = 0;
    try {
      output = (
        await run(
          findTool('schemathesis'),
          [
            '--config-file',
            configFile,
            'run',
            `${stack.url}/openapi.json`,
            '--checks',
            'all',
            // One worker: Hypothesis's strategy descriptions are not thread-safe here ("AST constructor
            // recursion depth mismatch" with two).
            '--workers',
            '1',
            '--max-examples',
            process.env.SCHEMATHESIS_EXAMPLES ?? '25',
            '--seed',
            process.env.SCHEMATHESIS_SEED ?? '1',
          ],
          {
            env: {
              ...process.env,
              CE_API_KEY: TEST_API_KEY,
              CE_JOB_ID: jobID,
              CE_SSH_PORT: String(testServers().sftp.port),
              NO_COLOR: '1',
              PYTHONPATH: path.dirname(configFile),
            },
            // Its cache goes where it runs: the run's folder, not the repository.
            cwd: reports,
            maxBuffer: 64 * 1024 * 1024,
            timeout: 600_000,
          },
        )
      ).stdout;
    } catch (err) {
      const failed = err as { stdout?: string; stderr?: string; code?: number };
      output = `${failed.stdout ?? ''}\n${failed.stderr ?? ''}`;
      code = failed.code ?? 1;
    }
    writeFileSync(path.join(reports, 'output.txt'), output);
    // The whole report stays in the run's folder. On success one line says so: its pytest-like
    // banners, printed mid-run, would read as another test runner's closing lines.
    process.stderr.write(
      code === 0
        ? `Schemathesis found no failure; report: ${path.join(reports, 'output.txt')}\n`
        : `${output.split('\n').slice(-60).join('\n')}\n`,
    );
    expect(code).toBe(0);
  }, 660_000);
});
