import { execFileSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import type { Db } from 'mongodb';
import type { JobView } from '../../src/jobs/types';
import { decodeOptionalFailureToOptionalError } from '../../src/temporal/sdk-internals';
import { waitForJob } from './jobs';
import { TEST_API_KEY } from './servers';
import type { TestStack } from './stack';

/** The emails in `_id` order, as a delivered file must list them. */
export async function storedEmails(db: Db): Promise<string[]> {
  const docs = await db
    .collection('contacts')
    .find({}, { projection: { 'channels.email.address': 1 }, sort: { _id: 1 } })
    .toArray();
  return docs.map((d) => (d.channels as { email: { address: string } }).email.address);
}

/** Rows of a delivered gzip CSV (gunzipped by the system gunzip). */
export function gzipCsvRows(bytes: Buffer): string[][] {
  return parse(
    execFileSync('gunzip', ['-c'], { input: bytes, maxBuffer: 512 * 1024 * 1024 }).toString('utf8'),
  );
}

/** The job's internal-storage file as the API key owner downloads it; throws unless 200. */
export async function downloadFile(stack: TestStack, jobID: string): Promise<Buffer> {
  const res = await fetch(`${stack.url}/jobs/${jobID}/download`, {
    headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` },
  });
  if (res.status !== 200)
    throw new Error(`GET /jobs/${jobID}/download answered ${res.status}: ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * A stored file at a job's `location` (its path, from where the test's gateway listens: locations
 * name PUBLIC_URL), as the API key owner downloads it.
 */
export async function fetchLocation(
  stack: TestStack,
  location: string | null | undefined,
): Promise<{ status: number; bytes: Buffer; type: string | null }> {
  const res = await fetch(`${stack.url}${new URL(location ?? '/missing', stack.url).pathname}`, {
    headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` },
  });
  return {
    status: res.status,
    bytes: Buffer.from(await res.arrayBuffer()),
    type: res.headers.get('content-type'),
  };
}

/** Starts a job and waits for it to end. */
export async function runJob(
  stack: TestStack,
  body: Record<string, unknown>,
  timeoutMs = 120_000,
): Promise<JobView> {
  const created = await stack.request<{ jobID: string }>('POST', '/contactexports', body);
  if (created.status !== 202)
    throw new Error(`POST /contactexports answered ${created.status}: ${created.text}`);
  return (await waitForJob(stack, created.body.jobID, undefined, timeoutMs, 200)).job;
}

/** How many times deliverFile started, from the workflow's history (fail-fast errors: exactly 1). */
export async function deliveryAttempts(stack: TestStack, jobID: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(`contactexport-${jobID}`).fetchHistory();
  const scheduled = new Set(
    (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverFile')
      .map((e) => String(e.eventId)),
  );
  const attempts = (history.events ?? [])
    .filter(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)),
    )
    .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
  return Math.max(0, ...attempts);
}

/**
 * Waits until the job's first delivery attempt has failed and a retry is pending (so a test
 * can then start the server and know the file came through retries).
 */
export async function waitForFailedDelivery(
  stack: TestStack,
  jobID: string,
  timeoutMs = 120_000,
): Promise<string> {
  const handle = stack.client.workflow.getHandle(`contactexport-${jobID}`);
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const description = await handle.describe();
    const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'deliverFile');
    if (pending && (pending.attempt ?? 1) >= 2) {
      // Failure messages are encrypted in Temporal (encoded common attributes): decode them like the client does.
      const failure = await decodeOptionalFailureToOptionalError(
        stack.client.options.loadedDataConverter,
        pending.lastFailure,
      );
      return failure?.message ?? '';
    }
    if (description.status.name !== 'RUNNING')
      throw new Error(`job ${jobID} ended (${description.status.name}) before a delivery retry`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no failed delivery attempt for job ${jobID} within ${timeoutMs} ms`);
}
