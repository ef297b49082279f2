import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startWebServer, type WebServer } from '../src/api/server';
import { progressBar } from '../src/cli/progress-bar';
import { loadConfig } from '../src/config';
import { startFerretDb, type FerretDbServer } from '../src/devstack/ferretdb';
import { freePort, startProcess, WORKER_NODE_FLAGS, type ManagedProcess } from '../src/devstack/processes';
import { startTemporalDevServer, type TemporalDevServer } from '../src/devstack/temporal-server';
import type { JobView } from '../src/jobs/types';
import { createLogger } from '../src/logger';
import { projectRoot } from '../src/project-root';
import { seedStore } from '../src/seed/seed-store';
import { connectContactStore, type ContactStore } from '../src/store/mongo';

/**
 * The whole service on loopback for the long-running scripts (soak, load): a Temporal dev server
 * whose state survives a restart, FerretDB with N seeded contacts (kept under .data/<name> for the
 * next run), the gateway in this process, and worker processes started and killed on demand.
 */
export interface ScriptStack {
  readonly env: Record<string, string>;
  readonly store: ContactStore;
  readonly web: WebServer;
  readonly dataDir: string;
  temporal: TemporalDevServer;
  startWorker(name?: string): Promise<ManagedProcess>;
  restartTemporal(downMs: number): Promise<void>;
  request<T>(
    method: string,
    urlPath: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; body: T }>;
  waitForJob(jobID: string, onView?: (job: JobView) => void): Promise<JobView>;
  stop(): Promise<void>;
}

export const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Every event of a workflow's history (all pages), straight from the frontend. */
export async function historyEvents(
  address: string,
  workflowId: string,
): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const connection = await Connection.connect({ address });
  try {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return events;
  } finally {
    await connection.close();
  }
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** VmHWM (peak) or VmRSS (now) of a process, in MB, from /proc. */
export function rssMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0; // the process is gone (killed on purpose by the soak)
  }
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024);
}

export async function startScriptStack(
  name: string,
  contacts: number,
  extraEnv: Record<string, string> = {},
): Promise<ScriptStack> {
  const dataDir = path.join(projectRoot(), '.data', name);
  const runDir = path.join(dataDir, 'run');
  rmSync(runDir, { recursive: true, force: true });
  const [temporalPort, mongoPort] = await Promise.all([freePort(), freePort()]);
  const temporalOptions = {
    port: temporalPort,
    logFile: path.join(runDir, 'logs', 'temporal.log'),
    dbFile: path.join(runDir, 'temporal.db'),
  };
  let temporal = await startTemporalDevServer(temporalOptions);
  const ferret: FerretDbServer = await startFerretDb({
    port: mongoPort,
    dataDir: path.join(dataDir, 'ferretdb'),
    logFile: path.join(runDir, 'logs', 'ferretdb.log'),
  });
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: name,
    MONGODB_URI: ferret.uriFor(`${name}_${contacts}`),
    API_KEYS: `${name}-key`,
    ENCRYPTION_KEYS: `${name}:${randomBytes(32).toString('base64')}`,
    STORAGE_DIR: path.join(runDir, 'storage'),
    STAGING_DIR: path.join(runDir, 'staging'),
    WORKER_HOST_ID: `${name}-host`,
    METRICS_PORT: '0',
    ...extraEnv,
  };
  const store = await connectContactStore(env.MONGODB_URI ?? '');
  if ((await store.db.collection('contacts').estimatedDocumentCount()) !== contacts) {
    say(`seeding ${contacts} contacts (kept in .data/${name} for the next run)`);
    await seedStore(store.db, { contacts, reset: true, batchSize: 5000, onProgress: progressBar('seeding') });
  }
  const logger = createLogger(name, 'warn');
  const web = await startWebServer({ config: loadConfig(env), logger, port: 0 });
  const workers: ManagedProcess[] = [];
  const auth = `Basic ${Buffer.from(`${name}-key:`).toString('base64')}`;

  const request = async <T>(
    method: string,
    urlPath: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; body: T }> => {
    const res = await fetch(`${web.url}${urlPath}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const stack: ScriptStack = {
    env,
    store,
    web,
    dataDir: runDir,
    temporal,
    async startWorker(workerName = 'worker') {
      let ready = false;
      const worker = await startProcess({
        name: workerName,
        command: process.execPath,
        args: [...WORKER_NODE_FLAGS, path.join(projectRoot(), 'dist', 'src', 'worker.js')],
        env: { ...process.env, ...env, LOG_LEVEL: 'info' },
        logFile: path.join(runDir, 'logs', `${workerName}-${workers.length}.log`),
        readyTimeoutMs: 120_000,
        ready: () => Promise.resolve(ready),
        onOutput: (line) => {
          if (line.includes('"worker ready"')) ready = true;
        },
      });
      workers.push(worker);
      return worker;
    },
    async restartTemporal(downMs) {
      await temporal.stop();
      await sleep(downMs);
      temporal = await startTemporalDevServer(temporalOptions);
      stack.temporal = temporal;
    },
    request,
    async waitForJob(jobID, onView) {
      for (;;) {
        const res = await request<JobView>('GET', `/jobs/${jobID}`).catch(() => undefined);
        if (res?.status === 200) {
          onView?.(res.body);
          if (['Done', 'Failed', 'Cancelled'].includes(res.body.status)) return res.body;
        }
        await sleep(1000);
      }
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await web.stop();
      await store.close();
      await Promise.all([temporal.stop(), ferret.stop()]);
    },
  };
  return stack;
}
