import { CancelledFailure, Context } from '@temporalio/activity';
import { MongoError, type Document, type Filter } from 'mongodb';
import { AppError, ContactStoreUnavailableError } from '../src/errors';
import { audienceRuleSchema, compileAudience, type FieldTypes } from '../src/export/audience';
import { exportToFile, type Checkpoint, type FinishedFile } from '../src/export/export-to-file';
import { createRowFormatter, type RowFormatter } from '../src/export/formats';
import { MAX_SPLIT_FILES } from '../src/export/split';
import { removeStaged, splitStagingPath } from '../src/export/staging-file';
import { stagingPath } from '../src/jobs/naming';
import type { ExportPlan, ExportRequest, ExportTuning } from '../src/jobs/types';
import {
  contactPages,
  countContacts,
  rawContactPages,
  deserializeId,
  serializeId,
  type SerializedId,
} from '../src/store/contacts';
import type { ActivityDeps } from './deps';
import { startWork, type WorkProgress } from './progress';

export interface ExportContactsInput {
  readonly jobID: string;
  readonly plan: ExportPlan;
  readonly request: Pick<ExportRequest, 'exportType' | 'showHeader' | 'compress'>;
  readonly tuning: ExportTuning;
}

/** One staged file of a split export, in order. */
export interface StagedFile {
  readonly stagingPath: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface ExportedFile {
  readonly stagingPath: string;
  readonly rows: number;
  readonly bytes: number;
  /** Whether this attempt continued a file from a checkpoint rather than starting over. */
  readonly resumed: boolean;
  /** A split export's files (plan.split); absent for a single file. */
  readonly files?: readonly StagedFile[];
}

/** The checkpoint that a retried attempt resumes from. */
interface ExportCheckpoint {
  readonly lastId: SerializedId | null;
  readonly rows: number;
  readonly bytes: number;
  readonly complete: boolean;
  readonly totalItems: number | null;
  /** A split export's finished files. */
  readonly files?: readonly FinishedFile[];
}

/** The heartbeat: the checkpoint (once there is one) and where the work stands, for job status. */
type ExportHeartbeat = Partial<ExportCheckpoint> & WorkProgress & { readonly part?: number };

function isCheckpoint(value: unknown): value is ExportCheckpoint {
  const v = value as Partial<ExportCheckpoint> | undefined;
  return typeof v?.rows === 'number' && typeof v.bytes === 'number';
}

/** Which contacts a job exports: its saved audience and its lastModified window, both if given. */
export function contactFilter(plan: ExportPlan): Filter<Document> {
  const clauses: Filter<Document>[] = [];
  if (plan.audience) {
    clauses.push(
      compileAudience(audienceRuleSchema.parse(plan.audience.rule), {
        asOf: new Date(plan.audience.asOf),
        fieldTypes: plan.audience.fieldTypes as FieldTypes,
      }),
    );
  }
  const { modifiedSince, modifiedBefore } = plan.window ?? {};
  if (modifiedSince !== undefined || modifiedBefore !== undefined) {
    clauses.push({
      lastModified: {
        ...(modifiedSince !== undefined ? { $gte: new Date(modifiedSince) } : {}),
        ...(modifiedBefore !== undefined ? { $lt: new Date(modifiedBefore) } : {}),
      },
    });
  }
  return clauses.length === 0 ? {} : clauses.length === 1 ? (clauses[0] ?? {}) : { $and: clauses };
}

export interface WriteExportOptions {
  readonly jobID: string;
  readonly filePath: string;
  readonly plan: ExportPlan;
  readonly formatter: RowFormatter;
  readonly request: Pick<ExportRequest, 'exportType' | 'compress'>;
  readonly tuning: ExportTuning;
  /** Partition bounds: from `fromId` (inclusive) to `beforeId` (exclusive). */
  readonly fromId?: SerializedId | null;
  readonly beforeId?: SerializedId | null;
  /** Partition number, for progress; undefined for a whole-file export. */
  readonly part?: number;
  /** Known total (partitions get theirs from the plan); counted otherwise. */
  readonly totalItems?: number | null;
}

/** The staged files of a split export, in order, from what the writer reports. */
export function stagedFiles(filePath: string, files: readonly FinishedFile[]): StagedFile[] {
  return files.map((f, i) => ({
    stagingPath: splitStagingPath(filePath, i + 1),
    rows: f.rows,
    bytes: f.bytes,
  }));
}

/**
 * Writes contacts to a staging file on this host, heartbeating a checkpoint after every page. A
 * retried attempt (worker crash, lost connection) cuts the file back to the last recorded
 * checkpoint and continues after its `_id`: every contact lands exactly once.
 */
export async function writeExport(deps: ActivityDeps, options: WriteExportOptions): Promise<ExportedFile> {
  const ctx = Context.current();
  const { plan, request, tuning, filePath } = options;
  const previous = ctx.info.heartbeatDetails as unknown;
  const resume = isCheckpoint(previous) ? previous : undefined;
  const filter = contactFilter(plan);

  let totalItems = resume?.totalItems ?? options.totalItems ?? null;
  // The heartbeat always carries the last checkpoint: an attempt that dies in line must not lose it.
  const work = await startWork<ExportHeartbeat>(
    ctx,
    deps.lines.exports,
    { ...resume, totalItems, part: options.part },
    'exporting',
    tuning.heartbeatTimeoutMs,
  );

  if (totalItems === null && options.part === undefined) {
    // An unfiltered count is a metadata read; a filtered one may scan, so it runs beside the export.
    const counting = countContacts(deps.db, filter).then((n) => {
      totalItems = n;
      work.update({ totalItems: n });
    });
    if (Object.keys(filter).length === 0) await counting;
    else {
      counting.catch((err: unknown) => {
        ctx.log.warn('count failed; progress has no percentage', { error: String(err) });
      });
    }
  }

  const started = Date.now();
  ctx.log.info('export starting', {
    jobID: options.jobID,
    part: options.part,
    resumeFromRows: resume?.rows ?? 0,
    totalItems,
  });
  try {
    const result = await exportToFile({
      filePath,
      formatter: options.formatter,
      compress: request.compress,
      resumeFrom: resume
        ? {
            lastId: deserializeId(resume.lastId),
            rows: resume.rows,
            bytes: resume.bytes,
            complete: resume.complete,
            ...(resume.files ? { files: resume.files } : {}),
          }
        : undefined,
      split: plan.split
        ? {
            maxRows: plan.split.maxRows,
            maxBytes: plan.split.maxBytes,
            filePath: (n) => splitStagingPath(filePath, n),
            maxFiles: MAX_SPLIT_FILES,
          }
        : undefined,
      gzipLevel: deps.config.gzipLevel,
      pages: (afterId) =>
        (deps.config.exportRawBson && options.formatter.rawPage ? rawContactPages : contactPages)(deps.db, {
          filter,
          projection: plan.projection,
          afterId,
          fromId: deserializeId(options.fromId),
          beforeId: deserializeId(options.beforeId),
          batchSize: deps.config.exportBatchSize,
          signal: ctx.cancellationSignal,
          // Counted at the start (or by the plan, for a partition of unknown size: null).
          complete: (rowsRead) =>
            options.part === undefined && totalItems !== null && (resume?.rows ?? 0) + rowsRead >= totalItems,
          onEarlyEnd: (lastId) => {
            ctx.log.warn('contact cursor ended before the last contact; a new cursor continues', {
              jobID: options.jobID,
              part: options.part,
              afterId: String(lastId),
            });
          },
        }),
      syncEveryBytes: 64 * 1024 * 1024,
      signal: ctx.cancellationSignal,
      onCheckpoint: (checkpoint: Checkpoint) => {
        work.update({ ...checkpoint, lastId: serializeId(checkpoint.lastId), totalItems });
      },
    });
    const format = `${request.exportType}${request.compress ? '+gzip' : ''}`;
    deps.metrics.rowsExported.inc({ format }, result.rows);
    deps.metrics.bytesExported.inc({ format }, result.bytes);
    deps.metrics.exportDuration.observe({ format }, (Date.now() - started) / 1000);
    ctx.log.info('export written', {
      jobID: options.jobID,
      part: options.part,
      rows: result.rows,
      bytes: result.bytes,
      resumed: result.resumed,
      files: result.files?.length,
    });
    return {
      stagingPath: filePath,
      rows: result.rows,
      bytes: result.bytes,
      resumed: result.resumed,
      ...(result.files ? { files: stagedFiles(filePath, result.files) } : {}),
    };
  } catch (err) {
    if (ctx.cancellationSignal.aborted) {
      // Only the job's cancellation ends it: a worker shutdown, timeout or pause keeps the
      // staging file for the next attempt to resume.
      if (ctx.cancellationDetails?.cancelRequested) await removeStaged(filePath);
      throw ctx.cancellationSignal.reason instanceof CancelledFailure
        ? ctx.cancellationSignal.reason
        : new CancelledFailure('export cancelled');
    }
    if (err instanceof MongoError)
      throw new ContactStoreUnavailableError(`contact store error: ${err.message}`);
    // No attempt will resume a failure that retrying cannot fix: its file goes now.
    if (err instanceof AppError && !err.retryable) await removeStaged(filePath);
    throw err;
  } finally {
    work.end();
  }
}

export function createExportActivities(deps: ActivityDeps) {
  return {
    /** Writes the whole file of a job on this host (see writeExport). */
    async exportContacts(input: ExportContactsInput): Promise<ExportedFile> {
      return writeExport(deps, {
        jobID: input.jobID,
        filePath: stagingPath(deps.config.stagingDir, input.jobID),
        plan: input.plan,
        formatter: createRowFormatter(input.request.exportType, input.plan.columns, input.request),
        request: input.request,
        tuning: input.tuning,
      });
    },

    /** Removes a job's staging file or files (after delivery, or when the job fails or is cancelled). */
    async discardStaging(input: { jobID: string }): Promise<void> {
      await removeStaged(stagingPath(deps.config.stagingDir, input.jobID));
    },
  };
}
