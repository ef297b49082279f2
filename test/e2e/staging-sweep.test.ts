import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobOpenInTemporal, sweepStaging } from '../../src/jobs/staging-sweep';
import { runJob } from '../helpers/deliveries';
import { testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Leftover staging files (a host that died while its job finished elsewhere, a partition whose
 * retries ran out) are removed once their job has ended, asked of the real Temporal server.
 */
describe('the staging sweep', () => {
  let stack: TestStack;
  let idle: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
    // No worker: its jobs stay Running.
    idle = await startTestStack({ worker: false });
  }, 120_000);
  afterAll(async () => {
    await idle?.stop();
    await stack?.stop();
  });

  it('when jobs ended, are unknown or still run, then only the old files of ended or unknown jobs go', async () => {
    const done = await runJob(stack, { exportType: 'csv' });
    expect(done.status).toBe('Done');
    const recent = await runJob(stack, { exportType: 'json' });
    const running = await idle.request<{ jobID: string }>('POST', '/contactexports', { exportType: 'csv' });
    expect(running.status).toBe(202);

    const dir = path.join(testServers().runDir, uniqueId('sweep'));
    mkdirSync(dir, { recursive: true });
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const write = (name: string, old = true): void => {
      writeFileSync(path.join(dir, name), 'x'.repeat(100));
      if (old) utimesSync(path.join(dir, name), hoursAgo, hoursAgo);
    };
    write(`${done.jobID}.part`);
    write(`${done.jobID}.p1.part`);
    write(`${done.jobID}.p1.part.f3`);
    write('00000000-0000-4000-8000-00000000dead.part'); // Temporal never heard of it (or forgot it)
    write(`${running.body.jobID}.part`);
    write(`${recent.jobID}.part`, false); // ended, but touched a moment ago
    write('notes.txt'); // not a staging file

    const result = await sweepStaging({
      stagingDir: dir,
      minAgeMs: 3_600_000,
      isJobOpen: jobOpenInTemporal(stack.client),
    });
    expect(result.removed.map((f) => path.basename(f)).sort()).toEqual(
      [
        '00000000-0000-4000-8000-00000000dead.part',
        `${done.jobID}.p1.part`,
        `${done.jobID}.p1.part.f3`,
        `${done.jobID}.part`,
      ].sort(),
    );
    expect(result.bytes).toBe(400);
    expect(readdirSync(dir).sort()).toEqual(
      [`${recent.jobID}.part`, `${running.body.jobID}.part`, 'notes.txt'].sort(),
    );
  }, 180_000);

  it('when Temporal cannot be asked, then every file is kept for the next sweep', async () => {
    const dir = path.join(testServers().runDir, uniqueId('sweep'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'job-1.part'), 'x');
    const result = await sweepStaging({
      stagingDir: dir,
      minAgeMs: 0,
      isJobOpen: () => Promise.reject(new Error('14 UNAVAILABLE')),
    });
    expect(result.removed).toEqual([]);
    expect(readdirSync(dir)).toEqual(['job-1.part']);
  });

  it('when the worker is stopping, then the sweep stops before the next job', async () => {
    const dir = path.join(testServers().runDir, uniqueId('sweep'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'job-1.part'), 'x');
    writeFileSync(path.join(dir, 'job-2.part'), 'x');
    const stopping = new AbortController();
    const asked: string[] = [];
    const result = await sweepStaging({
      stagingDir: dir,
      minAgeMs: 0,
      signal: stopping.signal,
      isJobOpen: (jobID) => {
        asked.push(jobID);
        stopping.abort();
        return Promise.resolve(false);
      },
    });
    expect(asked).toHaveLength(1);
    expect(result.removed).toHaveLength(1);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('when the staging folder does not exist yet, then there is nothing to sweep', async () => {
    const config = testConfig();
    await expect(
      sweepStaging({
        stagingDir: path.join(config.stagingDir, 'never'),
        minAgeMs: 0,
        isJobOpen: () => Promise.resolve(false),
      }),
    ).resolves.toEqual({ removed: [], bytes: 0 });
  });
});
