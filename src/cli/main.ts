import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { exportFormatNames } from '../export/formats';
import type { JobView } from '../jobs/types';
import type { ScheduleView } from '../schedules/export-schedules';
import { progressBar } from './progress-bar';

const usage = `contact-exports: the operator's command line for a contact-exports gateway

  contact-exports submit [--body FILE|-] [--type ${exportFormatNames.join('|')}] [--name N] [--header] [--gzip]
                         [--fields a,b] [--lists x,8756] [--audience KEY] [--email ADDR] [--watch]
  contact-exports status JOB_ID [--watch]
  contact-exports list [--status S] [--name N] [--schedule ID] [--limit N]
  contact-exports cancel JOB_ID
  contact-exports download JOB_ID [--output FILE]
  contact-exports download JOB_ID --all [--dir DIR]   (a split job: every file, then its manifest; sha256 checked)
  contact-exports schedules list
  contact-exports schedules show ID
  contact-exports schedules create --name N (--cron "0 2 * * *" | --every 24h) [--timezone Europe/Berlin]
                                   [--incremental] [--body FILE|-]   (--body: the export, a POST /contactexports body;
                                   without it, the export comes from --type --fields --lists ... as for submit)
  contact-exports schedules update ID [--name N] [--cron C | --every E] [--timezone TZ] [--incremental true|false] [--body FILE|-]
  contact-exports schedules trigger|pause|unpause|delete ID

  --url URL   gateway (default $CONTACT_EXPORTS_URL or http://localhost:3000)
  --key KEY   API key (default $CONTACT_EXPORTS_API_KEY)
  --json      print JSON instead of text
Exit status: 0 ok (a watched job ended Done), 1 the job failed or was cancelled, 2 usage or API errors.`;

class UsageError extends Error {}

interface Options {
  readonly url: string;
  readonly key: string;
  readonly json: boolean;
}

async function call<T>(options: Options, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${options.key}:`).toString('base64')}`,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${options.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const error = (
      data as { error?: { message?: string; details?: { path: string; message: string }[] } } | null
    )?.error;
    const details = (error?.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
    throw new Error(`${method} ${path}: ${res.status} ${error?.message ?? res.statusText}${details}`);
  }
  return data as T;
}

function line(job: JobView): string {
  const rows = job.totalItems === null ? `${job.completedItems}` : `${job.completedItems}/${job.totalItems}`;
  // A job waiting for a place on its worker host says where it stands in line.
  const status =
    job.status === 'Processing' && job.phase === 'queued'
      ? `queued${job.queuePosition ? ` #${job.queuePosition}` : ''}`
      : job.status;
  return [
    job.jobID,
    status.padEnd(10),
    `${job.percent ?? '-'}%`.padStart(5),
    rows.padStart(15),
    String(job.destination.type).padEnd(4),
    job.jobName,
  ].join('  ');
}

async function watch(options: Options, jobID: string): Promise<number> {
  const draw = progressBar(`job ${jobID.slice(0, 8)}`);
  for (;;) {
    const job = await call<JobView>(options, 'GET', `/jobs/${jobID}`);
    const ended = !['Pending', 'Processing'].includes(job.status) && job.phase !== 'notifying';
    draw(
      ended && job.status === 'Done' ? (job.totalItems ?? job.completedItems) : job.completedItems,
      job.totalItems,
    );
    if (ended || (job.status !== 'Pending' && job.status !== 'Processing' && job.notification !== null)) {
      process.stderr.write('\n');
      process.stdout.write(
        options.json
          ? `${JSON.stringify(job)}\n`
          : `${line(job)}\n${job.file?.location ? `file: ${job.file.location}\n` : ''}${job.manifest ? `files: ${job.files?.length ?? '?'}, manifest: ${job.manifest.location ?? job.manifest.name}\n` : ''}${job.error ? `error: ${job.error.message}\n` : ''}`,
      );
      return job.status === 'Done' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function scheduleLine(s: ScheduleView): string {
  const timing = s.cron !== null ? `cron "${s.cron}" ${s.timezone}` : `every ${s.every}`;
  const last = s.recentJobs[0];
  return [
    s.scheduleID,
    (s.paused ? 'paused' : 'active').padEnd(6),
    s.name,
    timing,
    s.incremental ? `incremental (watermark ${s.watermark ?? 'none yet'})` : 'full',
    `next ${s.nextRuns[0] ?? '-'}`,
    `last ${last ? `${last.status} ${last.jobID}` : '-'}`,
  ].join('  ');
}

function scheduleDetails(s: ScheduleView): string {
  return [
    scheduleLine(s),
    `next runs: ${s.nextRuns.join(', ') || '-'}`,
    'recent jobs:',
    ...s.recentJobs.map((j) => `  ${j.jobID}  ${j.status.padEnd(10)}  ${j.startedAt}  ${j.jobName}`),
    `export: ${JSON.stringify(s.export)}`,
    '',
  ].join('\n');
}

type Flags = Partial<Record<'name' | 'cron' | 'every' | 'timezone' | 'incremental' | 'body', string>>;

/** `contact-exports schedules ...`: the /exportschedules API. */
async function schedules(
  options: Options,
  args: string[],
  flags: Flags,
  exportBody: (withName: boolean) => Promise<Record<string, unknown>>,
): Promise<number> {
  const [action, id] = args;
  const needId = (): string => {
    if (!id) throw new UsageError(`schedules ${action ?? ''} needs a schedule ID`);
    return id;
  };
  const print = (s: ScheduleView): void => {
    process.stdout.write(options.json ? `${JSON.stringify(s, null, 2)}\n` : scheduleDetails(s));
  };
  const timing = (): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    if (flags.name) body.name = flags.name;
    if (flags.cron) body.cron = flags.cron;
    if (flags.every) body.every = flags.every;
    if (flags.timezone) body.timezone = flags.timezone;
    if (flags.incremental !== undefined) body.incremental = flags.incremental;
    return body;
  };
  switch (action) {
    case 'list': {
      const all: ScheduleView[] = [];
      for (let next: string | null = '/exportschedules?limit=100'; next;) {
        const page: { schedules: ScheduleView[]; links: { next: string | null } } = await call(
          options,
          'GET',
          next,
        );
        all.push(...page.schedules);
        next = page.links.next;
      }
      process.stdout.write(
        options.json ? `${JSON.stringify(all)}\n` : all.map((s) => `${scheduleLine(s)}\n`).join(''),
      );
      return 0;
    }
    case 'show':
      print(await call<ScheduleView>(options, 'GET', `/exportschedules/${needId()}`));
      return 0;
    case 'create': {
      const body = { ...timing(), export: await exportBody(false) };
      print(await call<ScheduleView>(options, 'POST', '/exportschedules', body));
      return 0;
    }
    case 'update': {
      const body = { ...timing(), ...(flags.body ? { export: await exportBody(false) } : {}) };
      print(await call<ScheduleView>(options, 'PATCH', `/exportschedules/${needId()}`, body));
      return 0;
    }
    case 'trigger':
      await call(options, 'POST', `/exportschedules/${needId()}/trigger`);
      process.stdout.write(`run requested for ${id}: contact-exports list shows its job\n`);
      return 0;
    case 'pause':
    case 'unpause':
      print(await call<ScheduleView>(options, 'POST', `/exportschedules/${needId()}/${action}`));
      return 0;
    case 'delete':
      await call(options, 'DELETE', `/exportschedules/${needId()}`);
      process.stdout.write(`deleted ${id}\n`);
      return 0;
    default:
      throw new UsageError(`unknown schedules command "${action ?? ''}"`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      body: { type: 'string' },
      type: { type: 'string' },
      name: { type: 'string' },
      header: { type: 'boolean', default: false },
      gzip: { type: 'boolean', default: false },
      fields: { type: 'string' },
      lists: { type: 'string' },
      audience: { type: 'string' },
      email: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      output: { type: 'string', short: 'o' },
      all: { type: 'boolean', default: false },
      dir: { type: 'string' },
      schedule: { type: 'string' },
      cron: { type: 'string' },
      every: { type: 'string' },
      timezone: { type: 'string' },
      incremental: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, jobID] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return command ? 0 : 2;
  }
  const key = values.key ?? process.env.CONTACT_EXPORTS_API_KEY;
  if (!key) throw new UsageError('an API key is needed: --key or CONTACT_EXPORTS_API_KEY');
  const options: Options = {
    url: (values.url ?? process.env.CONTACT_EXPORTS_URL ?? 'http://localhost:3000').replace(/\/+$/, ''),
    key,
    json: values.json,
  };
  const needJob = (): string => {
    if (!jobID) throw new UsageError(`${command} needs a job ID`);
    return jobID;
  };
  const split = (v: string | undefined): string[] | undefined =>
    v
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  /** The export: a JSON body from --body, or built from the submit flags. */
  const exportBody = async (withName: boolean): Promise<Record<string, unknown>> => {
    if (values.body) {
      return JSON.parse(
        values.body === '-'
          ? await new Response(Readable.toWeb(process.stdin) as ReadableStream).text()
          : await readFile(values.body, 'utf8'),
      ) as Record<string, unknown>;
    }
    const body: Record<string, unknown> = {
      exportType: values.type ?? 'csv',
      showHeader: values.header,
      compress: values.gzip,
    };
    if (withName && values.name) body.name = values.name;
    if (values.fields) body.fields = split(values.fields);
    if (values.lists) body.lists = split(values.lists)?.map((l) => (/^\d+$/.test(l) ? Number(l) : l));
    if (values.audience) body['audience-key'] = values.audience;
    if (values.email) body.confirmEmail = values.email;
    return body;
  };

  switch (command) {
    case 'schedules':
      return schedules(options, positionals.slice(1), values, exportBody);
    case 'submit': {
      const body = await exportBody(true);
      const created = await call<{ jobID: string; name: string }>(options, 'POST', '/contactexports', body);
      process.stdout.write(
        options.json ? `${JSON.stringify(created)}\n` : `${created.jobID}  ${created.name}\n`,
      );
      return values.watch ? watch(options, created.jobID) : 0;
    }
    case 'status': {
      const id = needJob();
      if (values.watch) return watch(options, id);
      const job = await call<JobView>(options, 'GET', `/jobs/${id}`);
      process.stdout.write(options.json ? `${JSON.stringify(job, null, 2)}\n` : `${line(job)}\n`);
      return 0;
    }
    case 'list': {
      const params = new URLSearchParams();
      if (values.status) params.set('status', values.status);
      if (values.name) params.set('jobName', values.name);
      if (values.schedule) params.set('scheduleID', values.schedule);
      params.set('limit', values.limit ?? '25');
      const page = await call<{ jobs: JobView[] }>(options, 'GET', `/jobs?${params.toString()}`);
      process.stdout.write(
        options.json ? `${JSON.stringify(page.jobs)}\n` : page.jobs.map((j) => `${line(j)}\n`).join(''),
      );
      return 0;
    }
    case 'cancel': {
      const id = needJob();
      await call(options, 'DELETE', `/jobs/${id}`);
      process.stdout.write(`cancellation requested for ${id}\n`);
      return 0;
    }
    case 'download': {
      const id = needJob();
      const job = await call<JobView>(options, 'GET', `/jobs/${id}`);
      const auth = { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
      const save = async (urlPath: string, target: string): Promise<void> => {
        const res = await fetch(`${options.url}${urlPath}`, { headers: auth });
        if (!res.ok || !res.body)
          throw new Error(
            `download: ${res.status} ${((await res.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? ''}`,
          );
        await pipeline(Readable.fromWeb(res.body), createWriteStream(target));
      };
      if (!job.files) {
        const target =
          values.output ??
          (values.dir ? path.join(values.dir, job.file?.name ?? `${id}.export`) : undefined) ??
          job.file?.name ??
          `${id}.export`;
        await save(`/jobs/${id}/download`, target);
        process.stdout.write(`${target}\n`);
        return 0;
      }
      if (!values.all)
        throw new UsageError(
          `job ${id} was split into ${job.files.length} files: download them with --all [--dir DIR]`,
        );
      const dir = values.dir ?? '.';
      await mkdir(dir, { recursive: true });
      const draw = progressBar(`files of ${id.slice(0, 8)}`);
      for (const [i, file] of job.files.entries()) {
        const target = path.join(dir, file.name);
        await save(`/jobs/${id}/files/${encodeURIComponent(file.name)}`, target);
        const digest = createHash('sha256')
          .update(await readFile(target))
          .digest('hex');
        if (digest !== file.sha256)
          throw new Error(`download: ${file.name} has sha256 ${digest}, the manifest says ${file.sha256}`);
        draw(i + 1, job.files.length);
        process.stdout.write(`${target}\n`);
      }
      process.stderr.write('\n');
      if (job.manifest) {
        // Last, as the destination received it: its presence says the set is complete.
        const target = path.join(dir, job.manifest.name);
        await save(`/jobs/${id}/files/${encodeURIComponent(job.manifest.name)}`, target);
        process.stdout.write(`${target}\n`);
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `${err instanceof Error ? err.message : String(err)}${err instanceof UsageError ? `\n\n${usage}` : ''}\n`,
    );
    process.exit(2);
  },
);
