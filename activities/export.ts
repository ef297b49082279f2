import { CancelledFailure, Context } from '@temporalio/activity';
import { MongoError } from 'mongodb';
import { ContactStoreUnavailableError } from '../src/errors';
import { audienceRuleSchema, compileAudience, type FieldTypes } from '../src/export/audience';
import { exportToFile, type Checkpoint } from '../src/export/export-to-file';
import { createRowFormatter } from '../src/export/formatters';
import { removeFile } from '../src/export/staging-file';
import { stagingPath } from '../src/jobs/naming';
import type { ExportPlan, ExportRequest, ExportTuning } from '../src/jobs/types';
import {
  contactPages,
  countContacts,
  deserializeId,
  serializeId,
  type SerializedId,
} from '../src/store/contacts';
import type { ActivityDeps } from './deps';
import { keepHeartbeating } from './heartbeat';
import { ProgressReporter } from './progress';

export interface ExportContactsInput {
  readonly jobID: string;
  readonly plan: ExportPlan;
  readonly request: Pick<ExportRequest, 'exportType' | 'showHeader' | 'compress'>;
  readonly tuning: ExportTuning;
}

export interface ExportedFile {
  readonly stagingPath: string;
  readonly rows: number;
  readonly bytes: number;
  /** How many attempts resumed from a checkpoint rather than starting over (for the job record). */
  readonly resumed: boolean;
}

/** The heartbeat: a checkpoint that a retried attempt resumes from. */
interface ExportHeartbeat {
  readonly lastId: SerializedId | null;
  readonly rows: number;
  readonly bytes: number;
  readonly complete: boolean;
  readonly totalItems: number | null;
}

function isExportHeartbeat(value: unknown): value is ExportHeartbeat {
  const v = value as Partial<ExportHeartbeat> | undefined;
  return typeof v?.rows === 'number' && typeof v.bytes === 'number';
}

export function createExportActivities(deps: ActivityDeps) {
  return {
    /**
     * Writes the job's contacts to its staging file on this host, heartbeating a checkpoint after
     * every page. A retried attempt (worker crash, lost connection) cuts the file back to the last
     * recorded checkpoint and continues after its `_id`: every contact lands exactly once.
     */
    async exportContacts(input: ExportContactsInput): Promise<ExportedFile> {
      const ctx = Context.current();
      const { plan, request, tuning } = input;
      const filePath = stagingPath(deps.config.stagingDir, input.jobID);
      const previous = ctx.info.heartbeatDetails as unknown;
      const resume = isExportHeartbeat(previous) ? previous : undefined;

      const filter = plan.audience
        ? compileAudience(audienceRuleSchema.parse(plan.audience.rule), {
            asOf: new Date(plan.audience.asOf),
            fieldTypes: plan.audience.fieldTypes as FieldTypes,
          })
        : {};

      const progress = new ProgressReporter(deps.client, tuning.progressIntervalMs);
      let totalItems = resume?.totalItems ?? null;
      let latest: ExportHeartbeat | undefined = resume;
      const heartbeat = keepHeartbeating(ctx, () => latest, tuning.heartbeatTimeoutMs);

      if (totalItems === null) {
        // An unfiltered count is a metadata read; a filtered one may scan, so it runs beside the export.
        const counting = countContacts(deps.db, filter).then((n) => {
          totalItems = n;
          progress.report(
            {
              completedItems: latest?.rows ?? 0,
              totalItems: n,
              bytes: latest?.bytes ?? 0,
              phase: 'exporting',
            },
            true,
          );
        });
        if (Object.keys(filter).length === 0) await counting;
        else
          counting.catch((err: unknown) => {
            ctx.log.warn('count failed; progress has no percentage', { error: String(err) });
          });
      }

      const started = Date.now();
      ctx.log.info('export starting', { jobID: input.jobID, resumeFromRows: resume?.rows ?? 0, totalItems });
      try {
        const result = await exportToFile({
          filePath,
          formatter: createRowFormatter(request.exportType, plan.columns, request.showHeader),
          compress: request.compress,
          resumeFrom: resume ? { ...resume, lastId: deserializeId(resume.lastId) } : undefined,
          pages: (afterId) =>
            contactPages(deps.db, {
              filter,
              projection: plan.projection,
              afterId,
              batchSize: deps.config.exportBatchSize,
              signal: ctx.cancellationSignal,
            }),
          syncEveryBytes: 64 * 1024 * 1024,
          signal: ctx.cancellationSignal,
          onCheckpoint: (checkpoint: Checkpoint) => {
            latest = { ...checkpoint, lastId: serializeId(checkpoint.lastId), totalItems };
            ctx.heartbeat(latest);
            progress.report({
              completedItems: checkpoint.rows,
              totalItems,
              bytes: checkpoint.bytes,
              phase: 'exporting',
            });
          },
        });
        progress.report(
          { completedItems: result.rows, totalItems: result.rows, bytes: result.bytes, phase: 'exporting' },
          true,
        );
        const format = `${request.exportType}${request.compress ? '+gzip' : ''}`;
        deps.metrics.rowsExported.inc({ format }, result.rows);
        deps.metrics.bytesExported.inc({ format }, result.bytes);
        deps.metrics.exportDuration.observe({ format }, (Date.now() - started) / 1000);
        await progress.flush();
        ctx.log.info('export written', {
          jobID: input.jobID,
          rows: result.rows,
          bytes: result.bytes,
          resumed: result.resumed,
        });
        return { stagingPath: filePath, rows: result.rows, bytes: result.bytes, resumed: result.resumed };
      } catch (err) {
        if (ctx.cancellationSignal.aborted) {
          // Only the job's cancellation ends it: a worker shutdown, timeout or pause keeps the
          // staging file for the next attempt to resume.
          if (ctx.cancellationDetails?.cancelRequested) await removeFile(filePath);
          throw ctx.cancellationSignal.reason instanceof CancelledFailure
            ? ctx.cancellationSignal.reason
            : new CancelledFailure('export cancelled');
        }
        if (err instanceof MongoError)
          throw new ContactStoreUnavailableError(`contact store error: ${err.message}`);
        throw err;
      } finally {
        heartbeat.stop();
      }
    },

    /** Removes a job's staging file (after delivery, or when the job fails or is cancelled). */
    async discardStaging(input: { jobID: string }): Promise<void> {
      await removeFile(stagingPath(deps.config.stagingDir, input.jobID));
    },
  };
}
