import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import type { ManagedProcess } from '../src/devstack/processes';
import type { JobView } from '../src/jobs/types';
import { historyEvents, rssMb, say, sleep, startScriptStack } from './script-stack';

/**
 * npm run soak -- [--contacts 1000000] [--kills 3] [--temporal-restarts 1] [--seed S]
 *
 * One export of N contacts survives K worker SIGKILLs and R Temporal restarts at random points
 * (a new worker with the same host identity is started after each kill; Temporal comes back on the
 * same database file after 5 s), and must deliver every contact exactly once, in `_id` order.
 * Prints the faults, the wall time, the job's history length and a RESULT line.
 */
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    kills: { type: 'string', default: '3' },
    'temporal-restarts': { type: 'string', default: '1' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
  },
});
const N = Number(values.contacts);

/** A small deterministic generator, so a failing schedule can be run again with --seed. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

type Fault = { at: number; kind: 'worker' | 'temporal' };

/** Emails of the downloaded gzip CSV, in file order (first column, no header). */
async function emailsIn(file: string): Promise<string[]> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const emails: string[] = [];
  for await (const line of lines) if (line) emails.push(line.split(',')[0] ?? '');
  return emails;
}

async function main(): Promise<void> {
  const next = random(Number(values.seed));
  const faults: Fault[] = [
    ...Array.from({ length: Number(values.kills) }, () => ({ kind: 'worker' as const })),
    ...Array.from({ length: Number(values['temporal-restarts']) }, () => ({ kind: 'temporal' as const })),
  ]
    .map((f) => ({ ...f, at: Math.floor(N * (0.1 + 0.8 * next())) }))
    .sort((a, b) => a.at - b.at);
  say(
    `soak: ${N} contacts, seed ${values.seed}, faults at ${faults.map((f) => `${f.kind}@${f.at}`).join(', ')}`,
  );

  const stack = await startScriptStack('soak', N, {
    EXPORT_HEARTBEAT_TIMEOUT: '10s',
    PROGRESS_INTERVAL: '1s',
  });
  let worker: ManagedProcess = await stack.startWorker();
  let peakRss = 0;
  try {
    const started = Date.now();
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', {
      exportType: 'csv',
      compress: true,
      name: 'soak',
      fields: ['channels.email.address', 'first_name', 'lastModified'],
    });
    if (created.status !== 202) throw new Error(`POST answered ${created.status}`);
    const { jobID } = created.body;
    const happened: string[] = [];
    let pending = [...faults];
    let busy = false;
    const job: JobView = await stack.waitForJob(jobID, (view) => {
      peakRss = Math.max(peakRss, rssMb(worker.child.pid, 'VmRSS') || 0);
      const fault = pending[0];
      if (busy || !fault || view.phase !== 'exporting' || view.completedItems < fault.at) return;
      pending = pending.slice(1);
      busy = true;
      const line = `${fault.kind === 'worker' ? 'SIGKILL worker' : 'restart Temporal'} at ${view.completedItems} rows (${Math.round((Date.now() - started) / 1000)} s)`;
      happened.push(line);
      say(line);
      void (async () => {
        if (fault.kind === 'worker') {
          await worker.kill();
          await sleep(2000);
          worker = await stack.startWorker();
        } else await stack.restartTemporal(5000);
        busy = false;
      })();
    });
    const wallSeconds = (Date.now() - started) / 1000;
    if (job.status !== 'Done') throw new Error(`job ended ${job.status}: ${JSON.stringify(job.error)}`);

    const file = path.join(stack.dataDir, 'soak.csv.gz');
    const download = await fetch(`${stack.web.url}/jobs/${jobID}/download`, {
      headers: { authorization: `Basic ${Buffer.from('soak-key:').toString('base64')}` },
    });
    await writeFile(file, Buffer.from(await download.arrayBuffer()));
    const emails = await emailsIn(file);
    const stored = await stack.store.db
      .collection<{ channels: { email: { address: string } } }>('contacts')
      .find({}, { projection: { 'channels.email.address': 1 }, sort: { _id: 1 }, batchSize: 10_000 })
      .map((c) => c.channels.email.address)
      .toArray();
    const missing = stored.length - new Set(emails).size;
    const doubled = emails.length - new Set(emails).size;
    const inOrder = emails.length === stored.length && emails.every((e, i) => e === stored[i]);
    const events = (await historyEvents(stack.env.TEMPORAL_ADDRESS ?? '', `contactexport-${jobID}`)).length;
    say(`faults: ${happened.join('; ')}`);
    say(
      `soak: Done in ${wallSeconds.toFixed(0)} s; ${emails.length} rows, ${missing} missing, ${doubled} doubled, ` +
        `${inOrder ? 'in _id order' : 'NOT in _id order'}; history ${events} events; worker RSS peak ${peakRss} MB`,
    );
    console.log(
      `RESULT contacts=${N} faults=${happened.length} wall_s=${wallSeconds.toFixed(0)} rows=${emails.length} missing=${missing} doubled=${doubled} in_order=${inOrder} history_events=${events} worker_rss_mb=${peakRss}`,
    );
    if (missing !== 0 || doubled !== 0 || !inOrder || happened.length !== faults.length) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
