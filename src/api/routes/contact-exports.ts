import { Router } from 'express';
import { getJob } from '../../jobs/get-job';
import { workflowIdFor } from '../../jobs/job-records';
import { startExportJob } from '../../jobs/start-job';
import { ownerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { jobCreationRateLimit } from '../rate-limits';
import { RunningJobsCap, visibilityRunningJobs } from '../running-jobs-cap';
import { exportRequestSchema } from '../schemas/export-request';
import { idempotencyKeySchema } from '../schemas/resources';
import { RequestValidationError } from '../../errors';
import { validateAgainstStore } from '../validate-request';
import { CatalogCache } from '../catalog-cache';

export function contactExportsRouter(deps: ApiDeps): Router {
  const router = Router();
  const runningCap = new RunningJobsCap(visibilityRunningJobs(deps.client), deps.config.maxRunningJobsPerKey);
  const catalog = new CatalogCache(deps.db);
  router.post('/contactexports', jobCreationRateLimit(deps.config.jobsRateLimit), async (req, res) => {
    const owner = ownerOf(res);
    const header = req.get('idempotency-key');
    let idempotencyKey: string | undefined;
    if (header !== undefined) {
      const parsed = idempotencyKeySchema.safeParse(header);
      if (!parsed.success) {
        const message = parsed.error.issues[0]?.message ?? 'invalid';
        throw new RequestValidationError(`Idempotency-Key header: ${message}`, [
          { path: 'Idempotency-Key', message },
        ]);
      }
      idempotencyKey = parsed.data;
    }
    const request = exportRequestSchema.parse(req.body);
    await validateAgainstStore(deps.db, catalog, request, {
      allowPrivate: deps.config.allowPrivateDestinations,
      requireSftpHostKey: deps.config.sftpRequireHostKey,
      callbacksEnabled: deps.config.webhookSecret !== undefined,
      owner,
    });
    const release = await runningCap.assertUnder(owner);
    let job;
    try {
      job = await startExportJob(deps.client, deps.config, request, owner, idempotencyKey);
      if (!job.replayed) runningCap.started(owner, workflowIdFor(job.jobID));
    } finally {
      release();
    }
    deps.logger.info(
      { jobID: job.jobID, owner, destination: request.destination.type, replayed: job.replayed },
      'export job created',
    );
    // A replay reports the job as it is now; nothing new was started.
    const status = job.replayed ? (await getJob(deps.client, job.jobID, owner)).status : 'Pending';
    if (job.replayed) res.setHeader('Idempotent-Replayed', 'true');
    else deps.metrics.jobsStarted.inc({ destination: request.destination.type });
    res
      .status(202)
      .location(`/jobs/${job.jobID}`)
      .json({ jobID: job.jobID, name: job.jobName, status, links: { self: `/jobs/${job.jobID}` } });
  });
  return router;
}
