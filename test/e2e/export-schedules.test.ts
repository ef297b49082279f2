import { execFileSync } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { startMailCatcher, type MailCatcher } from '../../src/devstack/mail-catcher';
import { freePort } from '../../src/devstack/processes';
import SftpClient from 'ssh2-sftp-client';
import { findTool } from '../../src/devstack/binaries';
import type { JobView } from '../../src/jobs/types';
import type { ScheduleView } from '../../src/schedules/export-schedules';
import { temporalScheduleId } from '../../src/schedules/export-schedules';
import { seedStore } from '../../src/seed/seed-store';
import { downloadFile } from '../helpers/deliveries';
import { collections } from '../../src/store/mongo';
import { recordHistory, recordWorkflowHistory } from '../helpers/histories';
import { OTHER_API_KEY, testConfig, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { PARTNER_USER } from '../servers/system-users';

type ErrorBody = { error: { code: string; details: { path: string; message: string }[] } };

const CONTACTS = 40;

/**
 * /exportschedules on a real Temporal dev server: schedules that fire on their own, runs started
 * now, incremental windows with a watermark that moves only on Done, and the checks of each field.
 */
describe('export schedules (Temporal Schedules)', () => {
  const { sftp, partnerPassword, temporalAddress } = testServers();
  let stack: TestStack;
  let catcher: MailCatcher;
  const folder = `/upload/${uniqueId('nightly')}`;
  const sftpDestination = (password = partnerPassword) => ({
    type: 'sftp',
    server: '127.0.0.1',
    port: sftp.port,
    username: PARTNER_USER,
    password,
    path: folder,
  });
  const created: string[] = [];

  beforeAll(async () => {
    const smtpPort = await freePort();
    catcher = await startMailCatcher({
      port: smtpPort,
      dir: path.join(testServers().runDir, uniqueId('mail')),
    });
    stack = await startTestStack({
      config: testConfig({
        SCHEDULE_MIN_INTERVAL: '1s',
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        DESTINATION_TIMEOUT: '10s',
      }),
    });
    await seedStore(stack.db, { contacts: 0 });
    const longAgo = new Date(Date.now() - 86_400_000);
    await stack.db.collection('contacts').insertMany(
      Array.from({ length: CONTACTS }, (_, i) => ({
        channels: { email: { address: `c${i}@example.com` } },
        lastModified: longAgo,
      })),
    );
  });
  afterAll(async () => {
    for (const id of created) await stack.request('DELETE', `/exportschedules/${id}`);
    await stack?.stop();
    await catcher?.stop();
  });

  const create = async (body: Record<string, unknown>): Promise<ScheduleView> => {
    const res = await stack.request<ScheduleView>('POST', '/exportschedules', body);
    if (res.status !== 201) throw new Error(`POST /exportschedules answered ${res.status}: ${res.text}`);
    created.push(res.body.scheduleID);
    return res.body;
  };
  const get = async (id: string): Promise<ScheduleView> =>
    (await stack.request<ScheduleView>('GET', `/exportschedules/${id}`)).body;

  /** Polls the schedule until it lists `count` jobs and the newest has ended. */
  const waitForRuns = async (id: string, count: number, timeoutMs = 60_000): Promise<ScheduleView> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const schedule = await get(id);
      const newest = schedule.recentJobs[0];
      if (
        schedule.recentJobs.length >= count &&
        newest &&
        ['Done', 'Failed', 'Cancelled'].includes(newest.status)
      ) {
        // The run moves the watermark after its job ends: wait for the run itself too.
        const runs = await runningRuns(id);
        if (runs === 0) return get(id);
      }
      if (Date.now() > deadline) throw new Error(`schedule ${id}: ${JSON.stringify(schedule.recentJobs)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const runningRuns = async (id: string): Promise<number> =>
    (await stack.client.schedule.getHandle(temporalScheduleId(id)).describe()).info.runningActions.length;

  /** The workflow ID of the schedule's latest run (`contactexport-schedule-{id}-run-{time}`). */
  const latestRun = async (id: string): Promise<string> => {
    const info = (await stack.client.schedule.getHandle(temporalScheduleId(id)).describe()).info;
    return info.recentActions[info.recentActions.length - 1]?.action.workflow.workflowId ?? '';
  };

  const trigger = async (id: string, runs: number): Promise<ScheduleView> => {
    const res = await stack.request('POST', `/exportschedules/${id}/trigger`);
    expect(res.status).toBe(202);
    return waitForRuns(id, runs);
  };
  const job = async (jobID: string): Promise<JobView> =>
    (await stack.request<JobView>('GET', `/jobs/${jobID}`)).body;

  const readSftp = async (file: string): Promise<string[]> => {
    const client = new SftpClient();
    await client.connect({
      host: '127.0.0.1',
      port: sftp.port,
      username: PARTNER_USER,
      password: partnerPassword,
    });
    try {
      return ((await client.get(`${folder}/${file}`)) as Buffer).toString('utf8').trim().split('\n').slice(1);
    } finally {
      await client.end();
    }
  };
  const touch = async (emails: string[]): Promise<void> => {
    await stack.db
      .collection('contacts')
      .updateMany({ 'channels.email.address': { $in: emails } }, { $set: { lastModified: new Date() } });
    // A run's window ends at its nominal start, which Temporal keeps to the second: the next run
    // must start in a later second than the change for the change to be in it.
    await new Promise((r) => setTimeout(r, 1100));
  };

  it('when a nightly incremental SFTP schedule runs, then run 1 exports everything, later runs only what changed, a failed run in the middle moves nothing and the next covers its window', async () => {
    const schedule = await create({
      name: 'nightly-partner',
      // 02:00 on February 29th: it never fires by itself while the test runs.
      cron: '0 2 29 2 *',
      timezone: 'Europe/Berlin',
      incremental: true,
      export: {
        exportType: 'csv',
        showHeader: true,
        fields: ['channels.email.address'],
        confirmEmail: 'ops@example.com',
        destination: sftpDestination(),
      },
    });
    expect(schedule).toMatchObject({
      name: 'nightly-partner',
      cron: '0 2 29 2 *',
      every: null,
      timezone: 'Europe/Berlin',
      incremental: true,
      paused: false,
      recentJobs: [],
      watermark: null,
    });
    // 02:00 in Berlin is 01:00 UTC in winter (02:00 UTC would mean the zone was ignored).
    expect(schedule.nextRuns.length).toBeGreaterThan(0);
    for (const next of schedule.nextRuns) expect(next).toMatch(/T01:00:00\.000Z$/);
    expect(JSON.stringify(schedule)).not.toContain(partnerPassword);

    // Run 1: no watermark yet, so everything modified before the run's start.
    const first = await trigger(schedule.scheduleID, 1);
    const run1 = await job(first.recentJobs[0]?.jobID ?? '');
    expect(run1.status).toBe('Done');
    expect(run1.scheduleID).toBe(schedule.scheduleID);
    expect(run1.jobName).toMatch(/^nightly-partner-\d{8}T\d{6}Z$/);
    expect(run1.file?.name).toBe(`${run1.jobName}.csv`);
    expect(run1.window).toEqual({ modifiedSince: null, modifiedBefore: expect.any(String) });
    expect(first.watermark).toBe(run1.window?.modifiedBefore);
    expect((await readSftp(run1.file?.name ?? '')).length).toBe(CONTACTS);
    // Emailed as any job is, under the run's own name.
    expect(run1.notification).toMatchObject({ email: 'ops@example.com', status: 'sent' });
    const subjects = await Promise.all(
      readdirSync(catcher.dir).map(
        async (f) => (await simpleParser(readFileSync(path.join(catcher.dir, f)))).subject,
      ),
    );
    expect(subjects).toContain(`Contact export "${run1.jobName}" is done`);

    // Run 2: three contacts changed since run 1.
    await touch(['c1@example.com', 'c2@example.com', 'c3@example.com']);
    const second = await trigger(schedule.scheduleID, 2);
    const run2 = await job(second.recentJobs[0]?.jobID ?? '');
    expect(run2.status).toBe('Done');
    expect(run2.window?.modifiedSince).toBe(first.watermark);
    expect((await readSftp(run2.file?.name ?? '')).sort()).toEqual([
      'c1@example.com',
      'c2@example.com',
      'c3@example.com',
    ]);
    expect(second.watermark).toBe(run2.window?.modifiedBefore);
    await recordWorkflowHistory(stack.client, await latestRun(schedule.scheduleID), 'scheduled-run-done');
    await recordHistory(stack.client, run2.jobID, 'scheduled-job-done');

    // Run 3 fails (the partner changed the password): the watermark stays, the schedule is not paused.
    await touch(['c10@example.com', 'c11@example.com']);
    const broken = await stack.request('PATCH', `/exportschedules/${schedule.scheduleID}`, {
      export: {
        exportType: 'csv',
        showHeader: true,
        fields: ['channels.email.address'],
        destination: sftpDestination('wrong-password'),
      },
    });
    expect(broken.status).toBe(200);
    const third = await trigger(schedule.scheduleID, 3);
    const run3 = await job(third.recentJobs[0]?.jobID ?? '');
    expect(run3.status).toBe('Failed');
    expect(third.watermark).toBe(second.watermark);
    expect(third.paused).toBe(false);
    await recordWorkflowHistory(stack.client, await latestRun(schedule.scheduleID), 'scheduled-run-failed');

    // Run 4, fixed again: covers run 3's window and what changed since.
    await stack.request('PATCH', `/exportschedules/${schedule.scheduleID}`, {
      export: {
        exportType: 'csv',
        showHeader: true,
        fields: ['channels.email.address'],
        destination: sftpDestination(),
      },
    });
    await touch(['c20@example.com']);
    const fourth = await trigger(schedule.scheduleID, 4);
    const run4 = await job(fourth.recentJobs[0]?.jobID ?? '');
    expect(run4.status).toBe('Done');
    expect(run4.window?.modifiedSince).toBe(second.watermark);
    expect((await readSftp(run4.file?.name ?? '')).sort()).toEqual([
      'c10@example.com',
      'c11@example.com',
      'c20@example.com',
    ]);
    expect(fourth.watermark).toBe(run4.window?.modifiedBefore);
    expect(fourth.recentJobs.map((j) => j.status)).toEqual(['Done', 'Failed', 'Done', 'Done']);

    // Every run is an ordinary job, listed with its schedule.
    const listed = await stack.request<{ jobs: JobView[] }>(
      'GET',
      `/jobs?scheduleID=${schedule.scheduleID}&limit=100`,
    );
    expect(listed.body.jobs.map((j) => j.jobID).sort()).toEqual(fourth.recentJobs.map((j) => j.jobID).sort());
    expect(listed.body.jobs.every((j) => j.scheduleID === schedule.scheduleID)).toBe(true);
  }, 180_000);

  it('when a schedule has a short interval, then it fires on its own, pauses, unpauses, and after DELETE is gone from the API and from Temporal', async () => {
    const schedule = await create({
      name: 'every-few-seconds',
      every: '3s',
      export: { exportType: 'ndjson' },
    });
    expect(schedule.every).toBe('3s');
    const listed = execFileSync(
      findTool('temporal'),
      ['schedule', 'list', '--address', temporalAddress, '-o', 'json'],
      { encoding: 'utf8' },
    );
    expect(listed).toContain(temporalScheduleId(schedule.scheduleID));
    const ran = await waitForRuns(schedule.scheduleID, 2, 60_000);
    const files = await Promise.all(
      ran.recentJobs.slice(0, 2).map(async (j) => (await job(j.jobID)).file?.name ?? ''),
    );
    expect(new Set(files).size).toBe(2);
    for (const name of files) expect(name).toMatch(/^every-few-seconds-\d{8}T\d{6}Z\.ndjson$/);
    const body = (await downloadFile(stack, ran.recentJobs[0]?.jobID ?? '')).toString('utf8');
    expect(body.trim().split('\n')).toHaveLength(CONTACTS);

    const paused = await stack.request<ScheduleView>('POST', `/exportschedules/${schedule.scheduleID}/pause`);
    expect(paused.body.paused).toBe(true);
    await waitForRuns(schedule.scheduleID, 1);
    const before = (await get(schedule.scheduleID)).recentJobs.length;
    await new Promise((r) => setTimeout(r, 7000));
    expect((await get(schedule.scheduleID)).recentJobs.length).toBe(before);
    const unpaused = await stack.request<ScheduleView>(
      'POST',
      `/exportschedules/${schedule.scheduleID}/unpause`,
    );
    expect(unpaused.body.paused).toBe(false);
    await waitForRuns(schedule.scheduleID, before + 1, 30_000);

    expect((await stack.request('DELETE', `/exportschedules/${schedule.scheduleID}`)).status).toBe(204);
    expect((await stack.request('GET', `/exportschedules/${schedule.scheduleID}`)).status).toBe(404);
    const list = execFileSync(
      findTool('temporal'),
      ['schedule', 'list', '--address', temporalAddress, '-o', 'json'],
      { encoding: 'utf8' },
    );
    expect(list).not.toContain(temporalScheduleId(schedule.scheduleID));
  }, 120_000);

  it('when a run is triggered while the previous one still runs, then it is skipped (overlap policy SKIP)', async () => {
    // A partner server that accepts the connection and never answers: the run's job stays in its
    // upload (DESTINATION_TIMEOUT) for as long as the test needs, whatever the machine's speed.
    const silent = createNetServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const schedule = await create({
        name: 'overlap',
        cron: '0 3 1 1 *',
        export: {
          exportType: 'csv',
          destination: {
            type: 'sftp',
            server: '127.0.0.1',
            port: (silent.address() as AddressInfo).port,
            username: 'partner',
            password: 'never-asked',
          },
        },
      });
      const paths = `/exportschedules/${schedule.scheduleID}/trigger`;
      expect((await stack.request('POST', paths)).status).toBe(202);
      // The first run's job exists and is still going: ask twice more.
      let first: ScheduleView['recentJobs'][number] | undefined;
      for (const deadline = Date.now() + 30_000; !first && Date.now() < deadline;) {
        first = (await get(schedule.scheduleID)).recentJobs.find((j) => j.status === 'Processing');
        if (!first) await new Promise((r) => setTimeout(r, 100));
      }
      expect(first).toBeDefined();
      expect((await stack.request('POST', paths)).status).toBe(202);
      expect((await stack.request('POST', paths)).status).toBe(202);
      expect((await job(first?.jobID ?? '')).status).toBe('Processing');
      const info = (await stack.client.schedule.getHandle(temporalScheduleId(schedule.scheduleID)).describe())
        .info;
      expect(info.numActionsSkippedOverlap).toBeGreaterThanOrEqual(2);
      // Stop the stuck job; the run ends with it, and it was the only one.
      expect((await stack.request('DELETE', `/jobs/${first?.jobID}`)).status).toBe(202);
      const ended = await waitForRuns(schedule.scheduleID, 1);
      expect(ended.recentJobs.map((j) => j.status)).toEqual(['Cancelled']);
    } finally {
      silent.close();
    }
  }, 120_000);

  it('when a schedule holds an SFTP password, then neither the API, the Temporal schedule nor its runs show it in clear text', async () => {
    const secret = `Sched-${uniqueId('pw')}`;
    const schedule = await create({
      name: 'secret-holder',
      cron: '0 4 1 1 *',
      export: { exportType: 'csv', destination: { ...sftpDestination(secret) } },
    });
    expect(JSON.stringify(await get(schedule.scheduleID))).not.toContain(secret);
    const listed = await stack.request<{ schedules: ScheduleView[] }>('GET', '/exportschedules');
    expect(listed.text).not.toContain(secret);
    const described = execFileSync(
      findTool('temporal'),
      [
        'schedule',
        'describe',
        '--address',
        temporalAddress,
        '-s',
        temporalScheduleId(schedule.scheduleID),
        '-o',
        'json',
      ],
      { encoding: 'utf8' },
    );
    expect(described).toContain(temporalScheduleId(schedule.scheduleID));
    expect(described).not.toContain(secret);
    expect(described).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    // The action's input is one encrypted payload (binary/encrypted, base64 in protobuf JSON).
    expect(described).toContain(Buffer.from('binary/encrypted').toString('base64'));

    // A run (it fails: the password is made up) and its job carry the password only encrypted.
    const ran = await trigger(schedule.scheduleID, 1);
    expect(ran.recentJobs[0]?.status).toBe('Failed');
    const info = (await stack.client.schedule.getHandle(temporalScheduleId(schedule.scheduleID)).describe())
      .info;
    const runWorkflowId = info.recentActions[0]?.action.workflow.workflowId ?? '';
    expect(runWorkflowId).toMatch(new RegExp(`^${temporalScheduleId(schedule.scheduleID)}-run-`));
    for (const workflowId of [runWorkflowId, `contactexport-${ran.recentJobs[0]?.jobID}`]) {
      const history = execFileSync(
        findTool('temporal'),
        ['workflow', 'show', '--address', temporalAddress, '-w', workflowId, '-o', 'json'],
        { encoding: 'utf8' },
      );
      expect(history.length).toBeGreaterThan(1000);
      expect(history).not.toContain(secret);
      expect(history).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    }
  }, 60_000);

  it('when another API key asks, then the schedule does not exist for it', async () => {
    const schedule = await create({ name: 'private', cron: '0 5 * * *', export: { exportType: 'csv' } });
    const other = { apiKey: OTHER_API_KEY };
    const id = schedule.scheduleID;
    expect((await stack.request('GET', `/exportschedules/${id}`, undefined, other)).status).toBe(404);
    expect((await stack.request('POST', `/exportschedules/${id}/trigger`, undefined, other)).status).toBe(
      404,
    );
    expect((await stack.request('PATCH', `/exportschedules/${id}`, { name: 'mine' }, other)).status).toBe(
      404,
    );
    expect((await stack.request('DELETE', `/exportschedules/${id}`, undefined, other)).status).toBe(404);
    const theirs = await stack.request<{ schedules: ScheduleView[] }>(
      'GET',
      '/exportschedules',
      undefined,
      other,
    );
    expect(theirs.body.schedules.map((s) => s.scheduleID)).not.toContain(id);
    const mine = await stack.request<{ schedules: ScheduleView[] }>('GET', '/exportschedules');
    expect(mine.body.schedules.map((s) => s.scheduleID)).toContain(id);
  });

  it('when there are more schedules than a page holds, then links.next walks them all in creation order, once each', async () => {
    const made: string[] = [];
    for (const name of ['page-a', 'page-b', 'page-c'])
      made.push((await create({ name, cron: '0 5 1 1 *', export: { exportType: 'csv' } })).scheduleID);
    type Page = { schedules: ScheduleView[]; links: { next: string | null } };
    const seen: string[] = [];
    let pages = 0;
    for (let next: string | null = '/exportschedules?limit=2'; next; pages++) {
      const page: Page = (await stack.request<Page>('GET', next)).body;
      expect(page.schedules.length).toBeLessThanOrEqual(2);
      seen.push(...page.schedules.map((s) => s.scheduleID));
      next = page.links.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => made.includes(id))).toEqual(made);
    expect(pages).toBe(Math.ceil(seen.length / 2));
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
    ] as const) {
      const res = await stack.request<ErrorBody>('GET', `/exportschedules?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d) => d.path)).toEqual([field]);
    }
  });

  it('when PATCH changes the timing and name, then GET shows them and the next runs follow', async () => {
    const schedule = await create({ name: 'patched', cron: '0 6 * * *', export: { exportType: 'csv' } });
    const res = await stack.request<ScheduleView>('PATCH', `/exportschedules/${schedule.scheduleID}`, {
      every: '12h',
      name: 'renamed',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'renamed', cron: null, every: '12h', timezone: 'UTC' });
    const [a, b] = res.body.nextRuns.map((t) => Date.parse(t));
    expect((b ?? 0) - (a ?? 0)).toBe(12 * 3_600_000);
    const bad = await stack.request<ErrorBody>('PATCH', `/exportschedules/${schedule.scheduleID}`, {
      cron: '0 25 * * *',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toBe('cron');
    expect((await get(schedule.scheduleID)).every).toBe('12h');
  });

  it.each([
    ['cron', { name: 'x', cron: '61 2 * * *', export: { exportType: 'csv' } }, 400],
    ['cron', { name: 'x', cron: 'every night', export: { exportType: 'csv' } }, 400],
    ['every', { name: 'x', every: '10 minutes', export: { exportType: 'csv' } }, 400],
    ['every', { name: 'x', every: '0s', export: { exportType: 'csv' } }, 400],
    [
      'timezone',
      { name: 'x', cron: '0 2 * * *', timezone: 'Mars/Olympus', export: { exportType: 'csv' } },
      400,
    ],
    ['cron', { name: 'x', export: { exportType: 'csv' } }, 400],
    ['every', { name: 'x', cron: '0 2 * * *', every: '1h', export: { exportType: 'csv' } }, 400],
    ['export.exportType', { name: 'x', cron: '0 2 * * *', export: {} }, 400],
    [
      'export.fields.0',
      { name: 'x', cron: '0 2 * * *', export: { exportType: 'csv', fields: ['nope'] } },
      422,
    ],
    [
      'export.modifiedSince',
      {
        name: 'x',
        cron: '0 2 * * *',
        incremental: true,
        export: { exportType: 'csv', modifiedSince: '2026-01-01' },
      },
      400,
    ],
    [
      'export.name',
      { name: 'x', cron: '0 2 * * *', export: { exportType: 'csv', name: 'n'.repeat(90) } },
      400,
    ],
    ['name', { cron: '0 2 * * *', export: { exportType: 'csv' } }, 400],
  ])(
    'when %s is wrong, then POST /exportschedules answers with that field named and creates nothing',
    async (field, body, status) => {
      // Counted where a schedule's record is made first (before its Temporal Schedule): listing
      // them would describe each in Temporal, twice per case.
      const stored = () => stack.db.collection(collections.exportSchedules).countDocuments();
      const before = await stored();
      const res = await stack.request<ErrorBody>('POST', '/exportschedules', body);
      expect(res.status).toBe(status);
      expect(res.body.error.details.map((d) => d.path.replace(/\[(\d+)\]/g, '.$1'))).toContain(field);
      expect(await stored()).toBe(before);
    },
  );

  it('when a schedule ID is unknown or malformed, then every operation answers 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-schedule']) {
      expect((await stack.request('GET', `/exportschedules/${id}`)).status).toBe(404);
      expect((await stack.request('POST', `/exportschedules/${id}/pause`)).status).toBe(404);
      expect((await stack.request('DELETE', `/exportschedules/${id}`)).status).toBe(404);
    }
  });
});
