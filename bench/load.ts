import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { JobView } from '../src/jobs/types';
import { historyEvents, rssMb, say, sleep, startScriptStack, type ScriptStack } from './script-stack';

/**
 * npm run loadtest -- [--jobs 100] [--contacts 100000] [--export-concurrency 4]
 *
 * J polite clients (they honour 429 + Retry-After) each submit one export of N contacts to one
 * worker, then watch it to the end. Checks that every job ends Done with its file delivered
 * exactly once and no export restarted, and compares the total time with J single-job times.
 */
const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    contacts: { type: 'string', default: '100000' },
    'export-concurrency': { type: 'string' },
  },
});
const JOBS = Number(values.jobs);
const N = Number(values.contacts);

interface Outcome {
  readonly job: JobView;
  readonly submitSeconds: number;
  readonly refusals: number;
  readonly phases: Set<string>;
  readonly bestPosition: number | null;
}

/** One polite client: submit (waiting out 429s as told), then watch until the job ends. */
async function client(stack: ScriptStack, i: number, started: number): Promise<Outcome> {
  let refusals = 0;
  let jobID: string | undefined;
  while (!jobID) {
    const res = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      compress: i % 2 === 0,
      name: `load-${i}`,
    });
    if (res.status === 202) jobID = res.body.jobID;
    else if (res.status === 429) {
      refusals++;
      await sleep(Number(res.headers.get('retry-after') ?? '5') * 1000);
    } else throw new Error(`client ${i}: POST answered ${res.status}`);
  }
  const submitSeconds = (Date.now() - started) / 1000;
  const phases = new Set<string>();
  let bestPosition: number | null = null;
  const job = await stack.waitForJob(jobID, (view) => {
    phases.add(view.phase);
    if (view.queuePosition) bestPosition = Math.max(bestPosition ?? 0, view.queuePosition);
  });
  return { job, submitSeconds, refusals, phases, bestPosition };
}

/** How many times each activity type was scheduled, and the highest attempt of each. */
async function activityCounts(
  address: string,
  workflowId: string,
): Promise<{ scheduled: Map<string, number>; maxAttempt: number; events: number }> {
  const events = await historyEvents(address, workflowId);
  const scheduled = new Map<string, number>();
  for (const e of events) {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) scheduled.set(type, (scheduled.get(type) ?? 0) + 1);
  }
  const maxAttempt = Math.max(1, ...events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 1));
  return { scheduled, maxAttempt, events: events.length };
}

async function main(): Promise<void> {
  const extra: Record<string, string> = {};
  if (values['export-concurrency']) extra.EXPORT_CONCURRENCY = values['export-concurrency'];
  const stack = await startScriptStack('load', N, extra);
  const worker = await stack.startWorker();
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(worker.child.pid, 'VmRSS') || 0);
  }, 1000);
  try {
    say(`load: one job alone first (the single-job time)`);
    const aloneStarted = Date.now();
    const alone = await client(stack, -1, aloneStarted);
    const singleSeconds = (Date.now() - aloneStarted) / 1000;
    if (alone.job.status !== 'Done') throw new Error(`single job ${alone.job.status}`);
    say(`single job: ${singleSeconds.toFixed(1)} s; now ${JOBS} clients at once`);

    const started = Date.now();
    const progress = setInterval(() => say(`  ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
    const outcomes = await Promise.all(Array.from({ length: JOBS }, (_, i) => client(stack, i, started)));
    clearInterval(progress);
    const totalSeconds = (Date.now() - started) / 1000;

    const address = stack.env.TEMPORAL_ADDRESS ?? '';
    let restarts = 0;
    let redelivered = 0;
    let maxEvents = 0;
    for (const { job } of outcomes) {
      const counts = await activityCounts(address, `contactexport-${job.jobID}`);
      restarts += (counts.scheduled.get('exportContacts') ?? 0) - 1 + (counts.maxAttempt > 1 ? 1 : 0);
      redelivered += (counts.scheduled.get('deliverFile') ?? 0) - 1;
      maxEvents = Math.max(maxEvents, counts.events);
    }
    const done = outcomes.filter((o) => o.job.status === 'Done' && o.job.file?.rows === N).length;
    const storageDir = stack.env.STORAGE_DIR ?? '';
    const files = readdirSync(storageDir, { recursive: true, withFileTypes: true }).filter(
      (e) => e.isFile() && !path.join(e.parentPath, e.name).includes('.parts'),
    ).length;
    const workerLog = readFileSync(worker.logFile ?? '', 'utf8');
    const hostMoves = workerLog.split('export host disappeared').length - 1;
    const queued = outcomes.filter((o) => o.phases.has('queued')).length;
    const refused = outcomes.reduce((a, o) => a + o.refusals, 0);
    say(
      `load: ${done}/${JOBS} Done with ${N} rows each in ${totalSeconds.toFixed(0)} s ` +
        `(sum of single-job times ${(singleSeconds * JOBS).toFixed(0)} s, ratio ${(totalSeconds / (singleSeconds * JOBS)).toFixed(2)}); ` +
        `${files} files for ${JOBS + 1} jobs; export restarts ${restarts}; re-deliveries ${redelivered}; host moves ${hostMoves}; ` +
        `${queued} jobs seen queued (highest place ${Math.max(0, ...outcomes.map((o) => o.bestPosition ?? 0))}); ` +
        `${refused} 429s honoured; max history ${maxEvents} events; worker RSS peak ${peakRss} MB`,
    );
    console.log(
      `RESULT jobs=${JOBS} contacts=${N} done=${done} total_s=${totalSeconds.toFixed(0)} single_s=${singleSeconds.toFixed(1)} ratio=${(totalSeconds / (singleSeconds * JOBS)).toFixed(2)} files=${files} restarts=${restarts} redeliveries=${redelivered} host_moves=${hostMoves} max_events=${maxEvents} worker_rss_mb=${peakRss}`,
    );
    if (done !== JOBS || restarts !== 0 || redelivered !== 0 || files !== JOBS + 1) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
