import { Router } from 'express';
import { InvalidKeyError, NotFoundError, RequestValidationError, UnknownReferenceError } from '../../errors';
import type { ExportRequest } from '../../jobs/types';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  patchedSchedule,
  setSchedulePaused,
  triggerSchedule,
  updateSchedule,
  type ScheduleDefinition,
  type ScheduleDeps,
} from '../../schedules/export-schedules';
import { scheduleProblems } from '../../schedules/timing';
import { ownerOf } from '../auth';
import { CatalogCache } from '../catalog-cache';
import type { ApiDeps } from '../deps';
import {
  scheduleCreateSchema,
  scheduleIdPattern,
  schedulePatchSchema,
  schedulesQuerySchema,
} from '../schemas/export-schedule';
import { validateAgainstStore } from '../validate-request';

/**
 * /exportschedules: recurring exports on Temporal Schedules, owned by the API key like jobs. The
 * export inside is checked exactly as POST /contactexports checks it (schema, then the contact
 * store), with each problem's path under `export.`.
 */
export function exportSchedulesRouter(deps: ApiDeps): Router {
  const router = Router();
  const catalog = new CatalogCache(deps.db);
  const scheduleDeps: ScheduleDeps = { client: deps.client, config: deps.config, db: deps.db };

  const checkSchedule = async (
    owner: string,
    definition: ScheduleDefinition,
    request: ExportRequest,
  ): Promise<void> => {
    const problems = scheduleProblems(definition, request, deps.config.scheduleMinIntervalMs);
    if (problems.length > 0)
      throw new RequestValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
    try {
      await validateAgainstStore(deps.db, catalog, request, {
        allowPrivate: deps.config.allowPrivateDestinations,
        requireSftpHostKey: deps.config.sftpRequireHostKey,
        callbacksEnabled: deps.config.webhookSecret !== undefined,
        owner,
      });
    } catch (err) {
      if (!(err instanceof UnknownReferenceError || err instanceof InvalidKeyError)) throw err;
      const details = err.details.map((d) => ({ ...d, path: `export.${d.path}` }));
      const message = details.map((d) => `${d.path}: ${d.message}`).join('; ');
      throw err instanceof InvalidKeyError
        ? new InvalidKeyError(message, details)
        : new UnknownReferenceError(message, details);
    }
  };
  const scheduleId = (raw: string): string => {
    if (!scheduleIdPattern.test(raw)) throw new NotFoundError(`no export schedule ${raw}`);
    return raw;
  };

  router.post('/exportschedules', async (req, res) => {
    const owner = ownerOf(res);
    const body = scheduleCreateSchema.parse(req.body);
    const definition: ScheduleDefinition = {
      name: body.name,
      cron: body.cron ?? null,
      every: body.every ?? null,
      timezone: body.timezone ?? 'UTC',
      incremental: body.incremental ?? false,
    };
    await checkSchedule(owner, definition, body.export);
    const schedule = await createSchedule(scheduleDeps, owner, definition, body.export);
    deps.logger.info(
      { scheduleID: schedule.scheduleID, owner, destination: body.export.destination.type },
      'export schedule created',
    );
    res.status(201).location(schedule.links.self).json(schedule);
  });

  router.get('/exportschedules', async (req, res) => {
    const query = schedulesQuerySchema.parse(req.query);
    const page = await listSchedules(scheduleDeps, ownerOf(res), query);
    const next = page.nextCursor
      ? `/exportschedules?${new URLSearchParams({ limit: String(query.limit), cursor: page.nextCursor }).toString()}`
      : null;
    res.json({ schedules: page.schedules, links: { next } });
  });

  router.get('/exportschedules/:scheduleID', async (req, res) => {
    res.json(await getSchedule(scheduleDeps, scheduleId(req.params.scheduleID), ownerOf(res)));
  });

  router.patch('/exportschedules/:scheduleID', async (req, res) => {
    const owner = ownerOf(res);
    const id = scheduleId(req.params.scheduleID);
    const body = schedulePatchSchema.parse(req.body);
    const next = await patchedSchedule(scheduleDeps, id, owner, {
      definition: {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.cron !== undefined && { cron: body.cron }),
        ...(body.every !== undefined && { every: body.every }),
        ...(body.timezone !== undefined && { timezone: body.timezone }),
        ...(body.incremental !== undefined && { incremental: body.incremental }),
      },
      request: body.export,
    });
    await checkSchedule(owner, next.definition, next.request);
    const schedule = await updateSchedule(scheduleDeps, next);
    deps.logger.info(
      { scheduleID: id, owner, changed: Object.keys(req.body as object) },
      'export schedule changed',
    );
    res.json(schedule);
  });

  router.delete('/exportschedules/:scheduleID', async (req, res) => {
    const id = scheduleId(req.params.scheduleID);
    await deleteSchedule(scheduleDeps, id, ownerOf(res));
    deps.logger.info({ scheduleID: id }, 'export schedule deleted');
    res.status(204).end();
  });

  router.post('/exportschedules/:scheduleID/trigger', async (req, res) => {
    const id = scheduleId(req.params.scheduleID);
    await triggerSchedule(scheduleDeps, id, ownerOf(res));
    deps.logger.info({ scheduleID: id }, 'export schedule triggered');
    res.status(202).json({
      scheduleID: id,
      triggered: true,
      note: 'a run starts now, unless the previous run is still going (then this one is skipped)',
      links: { schedule: `/exportschedules/${id}`, jobs: `/jobs?scheduleID=${id}` },
    });
  });

  for (const [action, paused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    router.post(`/exportschedules/:scheduleID/${action}`, async (req, res) => {
      const id = scheduleId(req.params.scheduleID);
      res.json(await setSchedulePaused(scheduleDeps, id, ownerOf(res), paused));
    });
  }
  return router;
}
