import { Router } from 'express';
import { startExportJob } from '../../jobs/start-job';
import { ownerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { exportRequestSchema } from '../schemas/export-request';
import { validateAgainstStore } from '../validate-request';

export function contactExportsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/contactexports', async (req, res) => {
    const owner = ownerOf(res);
    const request = exportRequestSchema.parse(req.body);
    await validateAgainstStore(deps.db, request);
    const job = await startExportJob(deps.client, deps.config, request, owner);
    deps.logger.info(
      { jobID: job.jobID, owner, destination: request.destination.type },
      'export job created',
    );
    res
      .status(202)
      .location(`/jobs/${job.jobID}`)
      .json({
        jobID: job.jobID,
        name: job.jobName,
        status: 'Pending',
        links: { self: `/jobs/${job.jobID}` },
      });
  });
  return router;
}
