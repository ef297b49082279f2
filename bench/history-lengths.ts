import { parseArgs } from 'node:util';
import { startWebServer } from '../src/api/server';
import { loadConfig } from '../src/config';
import type { JobView } from '../src/jobs/types';
import { createLogger } from '../src/logger';
import { historyEvents, say, sleep, startScriptStack } from './script-stack';

/**
 * npm run history-lengths -- [--contacts 10000,100000] [--partitions 1,4]
 *
 * Runs one CSV export per size and partition count and prints each job's history length: it must
 * not grow with the number of contacts (progress travels in heartbeats, not in events).
 */
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '10000,100000' },
    partitions: { type: 'string', default: '1,4' },
  },
});

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const n of (values.contacts ?? '').split(',').map(Number)) {
    const stack = await startScriptStack('history', n, { PROGRESS_INTERVAL: '2s' });
    await stack.startWorker();
    try {
      for (const k of (values.partitions ?? '').split(',').map(Number)) {
        const web = await startWebServer({
          config: loadConfig({
            ...stack.env,
            EXPORT_PARTITIONS: String(k),
            EXPORT_PARTITION_MIN_CONTACTS: '0',
          }),
          logger: createLogger('history', 'warn'),
          port: 0,
        });
        const auth = { authorization: `Basic ${Buffer.from('history-key:').toString('base64')}` };
        try {
          const started = Date.now();
          const res = await fetch(`${web.url}/contactexports`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ exportType: 'csv', showHeader: true }),
          });
          const { jobID } = (await res.json()) as { jobID: string };
          let job: JobView;
          for (;;) {
            job = (await (await fetch(`${web.url}/jobs/${jobID}`, { headers: auth })).json()) as JobView;
            if (['Done', 'Failed', 'Cancelled'].includes(job.status)) break;
            await sleep(1000);
          }
          const seconds = (Date.now() - started) / 1000;
          const events = (await historyEvents(stack.env.TEMPORAL_ADDRESS ?? '', `contactexport-${jobID}`))
            .length;
          const line = `contacts=${n} partitions=${k} status=${job.status} rows=${job.file?.rows ?? 0} seconds=${seconds.toFixed(0)} history_events=${events}`;
          say(line);
          rows.push(line);
        } finally {
          await web.stop();
        }
      }
    } finally {
      await stack.stop();
    }
  }
  for (const line of rows) console.log(`RESULT ${line}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
