import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startWebServer, type WebServer } from '../src/api/server';
import { progressBar } from '../src/cli/progress-bar';
import { loadConfig } from '../src/config';
import { findTool } from '../src/devstack/binaries';
import { startFerretDb } from '../src/devstack/ferretdb';
import { freePort, startProcess, type ManagedProcess } from '../src/devstack/processes';
import { startTemporalDevServer } from '../src/devstack/temporal-server';
import { projectionFor, resolveColumns } from '../src/export/columns';
import type { JobView } from '../src/jobs/types';
import { createLogger } from '../src/logger';
import { projectRoot } from '../src/project-root';
import { seedStore } from '../src/seed/seed-store';
import { getContactAttributes } from '../src/store/attributes';
import { getAllLists } from '../src/store/lists';
import { connectContactStore, type ContactStore } from '../src/store/mongo';
import { renderResults, type BenchResults } from './results';

/**
 * npm run bench -- --contacts N [--runs R] [--partitions 1,2,4] [--load-seconds S]
 * Measures, on the same data and columns: the bare driver cursor (raw), full jobs through HTTP →
 * workflow → file (csv, csv+gzip, json), the formatting pipeline on one core, parallel export,
 * and job submission under load. Prints a table and a RESULT line; writes bench/results.md.
 */
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '1,2,4' },
    'partition-runs': { type: 'string', default: '1' },
    'load-seconds': { type: 'string', default: '10' },
    'fmt-rows': { type: 'string', default: '500000' },
    formats: { type: 'string', default: 'csv,csv+gzip,json' },
    // The worker's old-space cap in MB, as `npm run worker` runs it; 0 = V8's default (memory-sized).
    'worker-heap-mb': { type: 'string', default: '512' },
    // Extra node flags for the worker, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where its CPU goes.
    'worker-flags': { type: 'string', default: '' },
    output: { type: 'string', default: path.join(projectRoot(), 'bench', 'results.md') },
  },
});
const N = Number(values.contacts);
const RUNS = Number(values.runs);
const heapMb = Number(values['worker-heap-mb']);
const heapFlags = heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [];
const root = projectRoot();
const dataDir = path.join(root, '.data', 'bench');
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

/** The bare driver: the same cursor, projection, order and batch size as an export, no formatting. */
async function rawRead(store: ContactStore, projection: Record<string, 1>): Promise<number> {
  const cursor = store.db
    .collection('contacts')
    .find({}, { projection: { ...projection, _id: 1 }, sort: { _id: 1 }, batchSize: 2000 });
  let n = 0;
  while (await cursor.hasNext()) n += cursor.readBufferedDocuments().length;
  await cursor.close();
  return n;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number | undefined): number {
  // Fields 14 and 15 of /proc/PID/stat, after the parenthesised command name.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmHWM (peak) or VmRSS (now) of a process, in MB, from /proc. */
function rssMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** Stands in for autocannon's result when the load test is skipped (--load-seconds 0). */
const noLoad = {
  requests: { average: 0 },
  latency: { p50: 0, p99: 0 },
  non2xx: 0,
  errors: 0,
} as unknown as autocannon.Result;

async function main(): Promise<void> {
  const logger = createLogger('bench', 'warn');
  const [temporalPort, mongoPort] = await Promise.all([freePort(), freePort()]);
  say(`bench: ${N} contacts, ${RUNS} runs each; servers starting`);
  const [temporal, ferret] = await Promise.all([
    startTemporalDevServer({ port: temporalPort, logFile: path.join(dataDir, 'logs', 'temporal.log') }),
    startFerretDb({
      port: mongoPort,
      dataDir: path.join(dataDir, 'ferretdb'),
      logFile: path.join(dataDir, 'logs', 'ferretdb.log'),
    }),
  ]);
  const runDir = path.join(dataDir, 'run');
  rmSync(runDir, { recursive: true, force: true });
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    MONGODB_URI: ferret.uriFor(`bench_${N}`),
    API_KEYS: 'bench-key',
    ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    STORAGE_DIR: path.join(runDir, 'storage'),
    STAGING_DIR: path.join(runDir, 'staging'),
    EXPORT_BATCH_SIZE: '2000',
    METRICS_PORT: '0',
    JOBS_RATE_LIMIT: '1000000',
    MAX_RUNNING_JOBS_PER_KEY: '1000000',
    PROGRESS_INTERVAL: '2s',
  };
  const store = await connectContactStore(env.MONGODB_URI ?? '');
  const processes: ManagedProcess[] = [];
  let web: WebServer | undefined;
  try {
    const existing = await store.db.collection('contacts').estimatedDocumentCount();
    if (existing !== N) {
      say(`seeding ${N} contacts (kept in .data/bench for the next run)`);
      await seedStore(store.db, {
        contacts: N,
        reset: true,
        batchSize: 5000,
        onProgress: progressBar('seeding'),
      });
    }
    const columns = resolveColumns(
      { fields: [], lists: [] },
      { attributes: await getContactAttributes(store.db), lists: await getAllLists(store.db) },
    );
    const projection = projectionFor(columns);

    // 1. raw
    const rawSeconds: number[] = [];
    const rawCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const cpuBefore = process.cpuUsage();
      const { seconds, value } = await timed(() => rawRead(store, projection));
      const used = process.cpuUsage(cpuBefore);
      rawCpu.push((used.user + used.system) / 1e6);
      if (value !== N) throw new Error(`raw read ${value} of ${N}`);
      rawSeconds.push(seconds);
      say(`raw run ${i + 1}: ${seconds.toFixed(1)} s`);
    }

    // 3. ours, per format, each with a fresh worker process (peak RSS per format)
    const startWorker = async (extra: Record<string, string> = {}): Promise<ManagedProcess> => {
      let ready = false;
      const worker = await startProcess({
        name: 'worker',
        command: process.execPath,
        args: [
          ...heapFlags,
          ...(values['worker-flags'] ?? '').split(' ').filter(Boolean),
          path.join(root, 'dist', 'src', 'worker.js'),
        ],
        env: {
          ...process.env,
          ...env,
          ...extra,
          LOG_LEVEL: 'info',
        },
        logFile: path.join(dataDir, 'logs', 'worker.log'),
        ready: () => Promise.resolve(ready),
        onOutput: (line) => {
          if (line.includes('"worker ready"')) ready = true;
        },
      });
      processes.push(worker);
      return worker;
    };
    const startGateway = async (extra: Record<string, string> = {}): Promise<WebServer> =>
      startWebServer({ config: loadConfig({ ...env, ...extra }), logger, port: 0 });
    const auth = {
      authorization: `Basic ${Buffer.from('bench-key:').toString('base64')}`,
      'content-type': 'application/json',
    };
    const runJob = async (
      url: string,
      body: Record<string, unknown>,
    ): Promise<{ seconds: number; job: JobView }> => {
      const { seconds, value } = await timed(async () => {
        const created = (await (
          await fetch(`${url}/contactexports`, { method: 'POST', headers: auth, body: JSON.stringify(body) })
        ).json()) as { jobID: string };
        for (;;) {
          const job = (await (
            await fetch(`${url}/jobs/${created.jobID}`, { headers: auth })
          ).json()) as JobView;
          if (job.status === 'Done' || job.status === 'Failed' || job.status === 'Cancelled') return job;
          await new Promise((r) => setTimeout(r, 250));
        }
      });
      if (value.status !== 'Done' || value.file?.rows !== N)
        throw new Error(`job ${value.jobID} ${value.status}: ${JSON.stringify(value.error)}`);
      return { seconds, job: value };
    };

    web = await startGateway();
    const formats = [
      { name: 'csv', body: { exportType: 'csv', showHeader: true } },
      { name: 'csv+gzip', body: { exportType: 'csv', showHeader: true, compress: true } },
      { name: 'json', body: { exportType: 'json' } },
    ];
    const ours: BenchResults['ours'] = [];
    const wanted = (values.formats ?? '').split(',');
    for (const format of formats.filter((f) => wanted.includes(f.name))) {
      const worker = await startWorker();
      const idleRssMb = rssMb(worker.child.pid, 'VmRSS');
      const cpuBefore = cpuSecondsOf(worker.child.pid);
      const seconds: number[] = [];
      let bytes = 0;
      for (let i = 0; i < RUNS; i++) {
        const result = await runJob(web.url, format.body);
        seconds.push(result.seconds);
        bytes = result.job.file?.bytes ?? 0;
        say(`${format.name} run ${i + 1}: ${result.seconds.toFixed(1)} s, ${(bytes / 1e6).toFixed(1)} MB`);
      }
      ours.push({
        format: format.name,
        seconds: median(seconds),
        bytes,
        peakRssMb: rssMb(worker.child.pid),
        cpuSecondsPerJob: (cpuSecondsOf(worker.child.pid) - cpuBefore) / RUNS,
        idleRssMb,
      });
      await worker.stop();
    }
    await web.stop();

    // Parallel export: K partitions, joined.
    const partitions: BenchResults['partitions'] = [];
    for (const k of (values.partitions ?? '').split(',').filter(Boolean).map(Number)) {
      const worker = await startWorker();
      web = await startGateway({ EXPORT_PARTITIONS: String(k), EXPORT_PARTITION_MIN_CONTACTS: '0' });
      const seconds: number[] = [];
      for (let i = 0; i < Number(values['partition-runs']); i++)
        seconds.push(
          (await runJob(web.url, { exportType: 'csv', showHeader: true, compress: true })).seconds,
        );
      partitions.push({ k, seconds: median(seconds) });
      say(`partitions=${k}: ${median(seconds).toFixed(1)} s`);
      await web.stop();
      web = undefined;
      await worker.stop();
    }

    // The formatting pipeline alone, on one core.
    const fmtLine = execFileSync(
      'taskset',
      [
        '-c',
        '0',
        process.execPath,
        path.join(root, 'dist', 'bench', 'format-bench.js'),
        '--rows',
        values['fmt-rows'] ?? '500000',
        '--gzip-level',
        String(loadConfig(env).gzipLevel),
      ],
      { encoding: 'utf8' },
    );
    const fmt = JSON.parse(fmtLine.trim().split('\n').pop() ?? '{}') as {
      fmt_gzip_per_s: number;
      fmt_plain_per_s: number;
    };
    say(
      `format pipeline on one core: ${fmt.fmt_gzip_per_s} rows/s with gzip, ${fmt.fmt_plain_per_s} without`,
    );

    // Job submission under load: a gateway whose queue has no worker, so only submission is measured.
    web = await startGateway({ TEMPORAL_TASK_QUEUE: 'bench-submit-only' });
    const load = await (Number(values['load-seconds']) === 0
      ? Promise.resolve(noLoad)
      : autocannon({
          url: `${web.url}/contactexports`,
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ exportType: 'csv', fields: ['channels.email.address'] }),
          connections: 20,
          duration: Number(values['load-seconds']),
        }));
    say(
      `submission: ${load.requests.average} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, non-2xx ${load.non2xx}, errors ${load.errors}`,
    );

    const results: BenchResults = {
      contacts: N,
      runs: RUNS,
      workerHeapMb: heapMb,
      machine: {
        cpu: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        store: `FerretDB ${execFileSync(findTool('ferretdb'), ['--version'], { encoding: 'utf8' }).split('\n')[0]?.replace('version: ', '') ?? ''} (SQLite)`,
        temporal: execFileSync(findTool('temporal'), ['--version'], { encoding: 'utf8' }).trim(),
        date: new Date().toISOString().slice(0, 10),
      },
      rawSeconds: median(rawSeconds),
      rawCpuSeconds: median(rawCpu),
      mongoexport: {
        available: false,
        reason:
          "MongoDB's database tools (mongoexport) are not served here: the Go module proxy answers 403 for github.com/mongodb/mongo-tools at every version, Debian bookworm has no mongo-tools package, and the npm/PyPI packages of that name are unrelated tools",
      },
      ours,
      partitions,
      fmt,
      gzipLevel: loadConfig(env).gzipLevel,
      submission: {
        reqPerSec: load.requests.average,
        p50: load.latency.p50,
        p99: load.latency.p99,
        non2xx: load.non2xx,
        errors: load.errors,
        seconds: Number(values['load-seconds']),
      },
    };
    const { markdown, resultLine } = renderResults(results);
    process.stdout.write(`${markdown}\n`);
    const file = values.output ?? '';
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const begin = `<!-- bench:${N} -->`;
    const end = `<!-- /bench:${N} -->`;
    const section = `${begin}\n${markdown}\n${end}`;
    const next = previous.includes(begin)
      ? previous.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), section)
      : `${previous}${previous ? '\n\n' : ''}${section}\n`;
    writeFileSync(file, next);
    process.stdout.write(`${resultLine}\n`);
  } finally {
    await web?.stop();
    await Promise.all(processes.map((p) => p.stop()));
    await store.close();
    await Promise.all([temporal.stop(), ferret.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
