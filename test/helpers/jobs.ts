import type { JobView } from '../../src/jobs/types';
import type { TestStack } from './stack';

/** Polls GET /jobs/{jobID} until `done(job)` or the timeout; returns every status seen, in order. */
export async function waitForJob(
  stack: Pick<TestStack, 'request'>,
  jobID: string,
  done: (job: JobView) => boolean = (job) => ['Done', 'Failed', 'Cancelled'].includes(job.status),
  timeoutMs = 90_000,
  intervalMs = 100,
): Promise<{ job: JobView; seen: JobView[] }> {
  const deadline = Date.now() + timeoutMs;
  const seen: JobView[] = [];
  for (;;) {
    const res = await stack.request<JobView>('GET', `/jobs/${jobID}`);
    if (res.status !== 200) throw new Error(`GET /jobs/${jobID} answered ${res.status}: ${res.text}`);
    seen.push(res.body);
    if (done(res.body)) return { job: res.body, seen };
    if (Date.now() > deadline)
      throw new Error(`job ${jobID} still ${res.body.status} after ${timeoutMs} ms: ${res.text}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
