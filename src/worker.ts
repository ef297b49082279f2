import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { getHeapStatistics } from 'node:v8';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { createHostActivities, createSharedActivities, type ActivityDeps } from '../activities';
import { loadConfig, type Config } from './config';
import { createDestinations } from './destinations';
import { ensurePurgeSchedule } from './jobs/purge-schedule';
import { jobOpenInTemporal, sweepStaging } from './jobs/staging-sweep';
import { warnOfMissingSearchAttributes } from './worker-search-attributes';
import { createLogger, type Logger } from './logger';
import { createMailer } from './mail/mailer';
import { createMetrics, type AppMetrics } from './metrics';
import { startWorkerMetricsServer } from './worker-metrics-server';
import { freePort } from './net/free-port';
import { runMain } from './run-main';
import { WorkLine } from './work-line';
import { connectContactStore, ensureIndexes, type ContactStore } from './store/mongo';
import { connectClient, createDataConverter, retryUntil } from './temporal/connect';

/**
 * A worker process runs two Temporal workers: one on the shared task queue (workflows, planning,
 * email) and one on this host's own queue (export and upload, which share the staging disk).
 */
export interface ExportWorkers {
  readonly hostQueue: string;
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export function defaultHostId(config: Config): string {
  // Stable across restarts (a restarted worker resumes its host's exports), distinct per staging folder.
  const disk = createHash('sha256').update(config.stagingDir).digest('hex').slice(0, 8);
  return `${os.hostname()}-${disk}`;
}

/** The prebuilt workflow bundle when present (production, `npm run build`), else the sources. */
function workflowSource(
  bundlePath?: string,
): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const bundle =
    bundlePath ?? process.env.WORKFLOW_BUNDLE ?? path.join(__dirname, '..', 'workflow-bundle.js');
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

/**
 * Routes the SDK's own logs into our JSON logger and, when given a port, serves the SDK's
 * Prometheus metrics there; once per process, so only from main().
 */
function installRuntime(logger: Logger, level: string, sdkMetricsPort?: number): void {
  const sdkLevel = (
    ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level.toUpperCase()) ? level.toUpperCase() : 'INFO'
  ) as LogLevel;
  Runtime.install({
    telemetryOptions: sdkMetricsPort
      ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } }
      : undefined,
    logger: new DefaultLogger(sdkLevel, (entry) => {
      const meta = { ...(entry.meta ?? {}), sdk: true };
      const method =
        entry.level === 'TRACE'
          ? 'trace'
          : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      logger[method](meta, entry.message);
    }),
  });
}

export interface WorkerOptions {
  readonly config: Config;
  readonly logger?: Logger;
  /** Reuse an existing store/client (tests); otherwise the worker connects its own. */
  readonly store?: ContactStore;
  readonly client?: Client;
  /** A prebuilt workflow bundle (tests build one per run). */
  readonly workflowBundlePath?: string;
  readonly metrics?: AppMetrics;
}

export async function createExportWorkers(options: WorkerOptions): Promise<ExportWorkers> {
  const { config } = options;
  const logger = options.logger ?? createLogger('worker', config.logLevel);

  const store = options.store ?? (await retryUntil('MongoDB', () => connectContactStore(config.mongodbUri)));
  await ensureIndexes(store.db);
  const client = options.client ?? (await connectClient(config));
  const connection = await retryUntil(`Temporal at ${config.temporal.address}`, () =>
    NativeConnection.connect(config.temporal.connection),
  );

  const hostId = config.workerHostId ?? defaultHostId(config);
  const hostQueue = `${config.temporal.taskQueue}@${hostId}`;
  const deps: ActivityDeps = {
    config,
    db: store.db,
    logger,
    destinations: createDestinations({ config, db: store.db }),
    mailer: createMailer(config),
    metrics: options.metrics ?? createMetrics('worker'),
    host: { id: hostId, taskQueue: hostQueue },
    lines: {
      exports: new WorkLine('exports', config.concurrency.exports),
      uploads: new WorkLine('uploads', config.concurrency.uploads),
    },
  };
  const dataConverter = createDataConverter(config);
  const common = {
    connection,
    namespace: config.temporal.namespace,
    dataConverter,
    // Progress lives in heartbeat details (no history events): Temporal records them this often.
    maxHeartbeatThrottleInterval: config.progressIntervalMs,
  };

  const sharedWorker = await Worker.create({
    ...common,
    ...workflowSource(options.workflowBundlePath),
    taskQueue: config.temporal.taskQueue,
    activities: createSharedActivities(deps),
    maxConcurrentActivityTaskExecutions: config.concurrency.sharedActivitySlots,
  });
  const hostWorker = await Worker.create({
    ...common,
    taskQueue: hostQueue,
    activities: createHostActivities(deps),
    // Many slots, few places in the work lines: every job on this host starts at once and waits
    // in line heartbeating, so no task waits unstarted into a SCHEDULE_TO_START timeout.
    maxConcurrentActivityTaskExecutions: config.concurrency.hostActivitySlots,
  });
  await ensurePurgeSchedule(client, config, logger);
  await warnOfMissingSearchAttributes(client, config, logger);
  const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  logger.info(
    { taskQueue: config.temporal.taskQueue, hostQueue, heapLimitMb, concurrency: config.concurrency },
    'worker ready',
  );

  const shutdown = (): Promise<void> => {
    for (const w of [sharedWorker, hostWorker]) if (w.getState() === 'RUNNING') w.shutdown();
    return Promise.resolve();
  };
  return {
    hostQueue,
    shutdown,
    run: async () => {
      const sweeper = startStagingSweeper(config, client, logger, deps.metrics);
      try {
        await Promise.all([sharedWorker.run(), hostWorker.run()]);
      } finally {
        await sweeper.stop();
        await connection.close();
        if (!options.client) await client.connection.close();
        if (!options.store) await store.close();
      }
    },
  };
}

/**
 * Sweeps this host's staging folder at start and every `STAGING_SWEEP_INTERVAL`: the files of
 * ended jobs that nothing else removed (src/jobs/staging-sweep.ts). One sweep at a time.
 */
function startStagingSweeper(
  config: Config,
  client: Client,
  logger: Logger,
  metrics: AppMetrics,
): { stop(): Promise<void> } {
  const { intervalMs, minAgeMs } = config.stagingSweep;
  if (intervalMs <= 0) return { stop: () => Promise.resolve() };
  const isJobOpen = jobOpenInTemporal(client);
  const stopped = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const sweep = (): void => {
    if (stopped.signal.aborted) return;
    const { signal } = stopped;
    running = sweepStaging({ stagingDir: config.stagingDir, minAgeMs, isJobOpen, logger, signal })
      .then(({ removed, bytes }) => {
        metrics.stagingSweptFiles.inc(removed.length);
        metrics.stagingSweptBytes.inc(bytes);
      })
      .catch((err: unknown) =>
        logger.warn({ err }, 'staging sweep failed; next one in STAGING_SWEEP_INTERVAL'),
      );
  };
  sweep();
  const timer = setInterval(() => void running.then(sweep), intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      stopped.abort();
      await running;
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const sdkMetricsPort = config.metrics.port ? await freePort() : undefined;
  installRuntime(logger, config.logLevel, sdkMetricsPort);
  const metrics = createMetrics('worker');
  const workers = await createExportWorkers({ config, logger, metrics });
  let metricsServer: { close(): Promise<void> } | undefined;
  if (sdkMetricsPort) {
    const server = await startWorkerMetricsServer({
      ...config.metrics,
      metrics,
      sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
    });
    metricsServer = server;
    logger.info({ url: `http://${config.metrics.host}:${server.port}/metrics` }, 'worker metrics');
  }
  // The SDK shuts the workers down on the first SIGINT/SIGTERM (running activities get
  // shutdownGraceTime to finish or heartbeat); then nothing may keep the process alive.
  await workers.run();
  await metricsServer?.close();
  logger.info('worker stopped');
  logger.flush();
  process.exit(0);
}

if (require.main === module) runMain('worker', main);
