import { Router, type Request, type Response } from 'express';
import { GoneError, NotFoundError } from '../../errors';
import { contentTypeOfFile } from '../../export/formats';
import { cancelJob } from '../../jobs/cancel-job';
import { getJob } from '../../jobs/get-job';
import { listJobs } from '../../jobs/list-jobs';
import type { JobView } from '../../jobs/types';
import { jobIdPattern, jobsQuerySchema } from '../schemas/jobs-query';
import { storageKey } from '../../storage/internal-storage';
import { ownerOf } from '../auth';
import type { ApiDeps } from '../deps';

export function jobsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/jobs', async (req, res) => {
    const query = jobsQuerySchema.parse(req.query);
    const page = await listJobs(deps.client, deps.config.keyring, ownerOf(res), {
      jobName: query.jobName,
      status: query.status,
      scheduleID: query.scheduleID,
      start: query.times?.start,
      limit: query.limit,
      cursor: query.cursor,
    });
    let next: string | null = null;
    if (page.nextCursor) {
      const params = new URLSearchParams(req.query as Record<string, string>);
      params.delete('times');
      for (const [op, value] of Object.entries(query.times?.start ?? {}))
        if (value) params.set(`times[start][${op}]`, value.toISOString());
      params.set('cursor', page.nextCursor);
      params.set('limit', String(query.limit));
      next = `/jobs?${params.toString()}`;
    }
    res.json({ jobs: page.jobs, links: { next } });
  });

  router.get('/jobs/:jobID', async (req, res) => {
    if (!jobIdPattern.test(req.params.jobID)) throw new NotFoundError(`no job ${req.params.jobID}`);
    res.json(await getJob(deps.client, req.params.jobID, ownerOf(res)));
  });

  /** Cancels a running job: the workflow removes staging and destination partial files. */
  router.delete('/jobs/:jobID', async (req, res) => {
    if (!jobIdPattern.test(req.params.jobID)) throw new NotFoundError(`no job ${req.params.jobID}`);
    const job = await cancelJob(deps.client, req.params.jobID, ownerOf(res));
    deps.logger.info({ jobID: job.jobID }, 'export job cancellation requested');
    res.status(202).json({
      jobID: job.jobID,
      status: job.status,
      cancelRequested: true,
      links: { self: `/jobs/${job.jobID}` },
    });
  });

  /** Where a stored file of the job is, once the job is Done in internal storage and not expired. */
  async function storedFile(
    jobID: string,
    owner: string,
    pick: (job: JobView) => string,
  ): Promise<{ job: JobView; name: string; key: string; bytes: number }> {
    if (!jobIdPattern.test(jobID)) throw new NotFoundError(`no job ${jobID}`);
    const job = await getJob(deps.client, jobID, owner);
    if (job.destination.type !== 'aws')
      throw new NotFoundError(
        `job ${jobID} was delivered to ${job.destination.type}, not to internal storage`,
      );
    if (job.status !== 'Done' || (!job.file && !job.manifest))
      throw new NotFoundError(`job ${jobID} has no file yet (status ${job.status})`);
    const name = pick(job);
    if (job.expiresAt && Date.parse(job.expiresAt) <= Date.now())
      throw new GoneError(`the file of job ${jobID} expired at ${job.expiresAt}`);
    const key = storageKey(owner, jobID, name);
    const stat = await deps.storage.stat(key);
    if (!stat) throw new GoneError(`the file of job ${jobID} is no longer stored`);
    return { job, name, key, bytes: stat.bytes };
  }

  router.get('/jobs/:jobID/download', async (req, res) => {
    const { jobID } = req.params;
    const found = await storedFile(jobID, ownerOf(res), (job) => {
      if (!job.file)
        throw new NotFoundError(
          `job ${jobID} was split into ${job.files?.length ?? 'several'} files: download each from its files[].location, or the manifest from manifest.location`,
        );
      return job.file.name;
    });
    await sendStored(req, res, found);
  });

  /** One file of a split job, or its manifest. */
  router.get('/jobs/:jobID/files/:fileName', async (req, res) => {
    const { jobID, fileName } = req.params;
    const found = await storedFile(jobID, ownerOf(res), (job) => {
      const names = [...(job.files ?? []).map((f) => f.name), ...(job.manifest ? [job.manifest.name] : [])];
      if (!names.includes(fileName)) throw new NotFoundError(`job ${jobID} has no file named ${fileName}`);
      return fileName;
    });
    await sendStored(req, res, found);
  });

  /** Sends a stored file: a presigned redirect from an object store, else the bytes (ranges too). */
  async function sendStored(
    req: Request,
    res: Response,
    found: { job: JobView; name: string; key: string; bytes: number },
  ): Promise<void> {
    const { job, key, name } = found;
    const jobID = job.jobID;
    // An object store serves the bytes itself: a short-lived presigned URL, never past the expiry.
    if (deps.storage.presignedUrl) {
      const untilExpiry = job.expiresAt
        ? Math.floor((Date.parse(job.expiresAt) - Date.now()) / 1000)
        : Infinity;
      const ttlSeconds = Math.max(1, Math.min(Math.floor(deps.config.downloadUrlTtlMs / 1000), untilExpiry));
      const url = await deps.storage.presignedUrl(key, {
        ttlSeconds,
        fileName: name,
        contentType: contentTypeOfFile(name),
      });
      res.setHeader('Cache-Control', 'private, no-store');
      // A browser page cannot follow a redirect to another origin with fetch: it asks for JSON.
      if (req.get('accept')?.includes('application/json')) {
        res.setHeader('X-Download-Link', 'presigned');
        res.json({ url, expiresInSeconds: ttlSeconds });
      } else res.redirect(302, url);
      return;
    }

    // attachment() guesses a type from the extension; the format's own type goes after it.
    res.attachment(name);
    res.setHeader('Content-Type', contentTypeOfFile(name));
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'private, no-store');

    const ranges = req.headers.range ? req.range(found.bytes) : undefined;
    if (ranges === -1) {
      res.status(416).setHeader('Content-Range', `bytes */${found.bytes}`).end();
      return;
    }
    const single =
      Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes' ? ranges[0] : undefined;
    const stream = await deps.storage.read(key, single);
    if (single) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${single.start}-${single.end}/${found.bytes}`);
      res.setHeader('Content-Length', String(single.end - single.start + 1));
    } else {
      res.setHeader('Content-Length', String(found.bytes));
    }
    stream.on('error', (err) => {
      deps.logger.error({ err, jobID }, 'download stream failed');
      res.destroy(err);
    });
    stream.pipe(res);
  }

  return router;
}
