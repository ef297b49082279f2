import { Context } from '@temporalio/activity';
import { encodeText } from '../src/export/export-to-file';
import { createRowFormatter, formatModule, rowsOnly } from '../src/export/formats';
import { removeFile, StagingFile } from '../src/export/staging-file';
import { stagingPath } from '../src/jobs/naming';
import type { ExportPlan, ExportRequest, ExportTuning } from '../src/jobs/types';
import type { InternalStorage } from '../src/storage/internal-storage';
import { partitionBoundaries, serializeId, type SerializedId } from '../src/store/contacts';
import type { ActivityDeps } from './deps';
import { contactFilter, writeExport, type ExportedFile } from './export';
import { keepHeartbeating } from './heartbeat';
import { startWork, type WorkProgress } from './progress';

export interface PartitionLayout {
  readonly total: number;
  /** K-1 `_id` values; part i spans [boundary i-1, boundary i). Empty: export as one stream. */
  readonly boundaries: SerializedId[];
}

export interface ExportedPart {
  readonly part: number;
  /** Where the part waits in internal storage for the join. */
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
}

/** Internal storage is what every host can read; parts wait there for the host that joins them. */
export function partKey(jobID: string, part: number): string {
  return `.parts/${jobID}/p${part}`;
}

type JobRequest = Pick<ExportRequest, 'exportType' | 'showHeader' | 'compress'>;

export function createPartitionActivities(deps: ActivityDeps, storage: InternalStorage) {
  return {
    /**
     * Splits the job's contacts into about equal `_id` ranges (one ids-only cursor). On FerretDB
     * that is a sorted scan of the whole table (over 2 minutes at 1,000,000 contacts), so it
     * heartbeats and stops on cancellation.
     */
    async planPartitions(input: {
      plan: ExportPlan;
      parts: number;
      minContacts: number;
      heartbeatTimeoutMs: number;
    }): Promise<PartitionLayout> {
      const ctx = Context.current();
      const heartbeat = keepHeartbeating(ctx, () => undefined, input.heartbeatTimeoutMs);
      const { total, boundaries } = await partitionBoundaries(
        deps.db,
        contactFilter(input.plan),
        input.parts,
        input.minContacts,
        ctx.cancellationSignal,
      ).finally(() => heartbeat.stop());
      return {
        total,
        boundaries: boundaries.map((id) => serializeId(id)).filter((id): id is SerializedId => id !== null),
      };
    },

    /**
     * Exports one `_id` range (rows only, no header or brackets) on whichever worker takes it,
     * resumable like a whole export, then stores it for the join.
     */
    async exportPart(input: {
      jobID: string;
      plan: ExportPlan;
      request: JobRequest;
      tuning: ExportTuning;
      part: number;
      fromId: SerializedId | null;
      beforeId: SerializedId | null;
      totalItems: number;
    }): Promise<ExportedPart> {
      const filePath = stagingPath(deps.config.stagingDir, input.jobID, input.part);
      const written = await writeExport(deps, {
        jobID: input.jobID,
        filePath,
        plan: input.plan,
        formatter: rowsOnly(createRowFormatter(input.request.exportType, input.plan.columns, input.request)),
        request: input.request,
        tuning: input.tuning,
        fromId: input.fromId,
        beforeId: input.beforeId,
        part: input.part,
        totalItems: input.totalItems,
      });
      const key = partKey(input.jobID, input.part);
      await storage.put(key, filePath);
      await removeFile(filePath);
      return { part: input.part, key, rows: written.rows, bytes: written.bytes };
    },

    /** Removes a job's parts from internal storage (after delivery, failure or cancellation). */
    async discardParts(input: { jobID: string; parts: number }): Promise<void> {
      for (let part = 0; part < input.parts; part++) await storage.remove(partKey(input.jobID, part));
    },
  };
}

export function createJoinActivities(deps: ActivityDeps, storage: InternalStorage) {
  return {
    /**
     * Joins the parts in order into this host's staging file: the frame (header or brackets), the
     * parts, JSON commas between non-empty parts. gzip members concatenate into valid gzip.
     * Rewrites from scratch on a retry (the parts stay in storage until the job ends).
     */
    async joinParts(input: {
      jobID: string;
      plan: ExportPlan;
      request: JobRequest;
      parts: ExportedPart[];
    }): Promise<ExportedFile> {
      const ctx = Context.current();
      const work = await startWork<WorkProgress & { rows: number; bytes: number }>(
        ctx,
        deps.lines.exports,
        { rows: 0, bytes: 0 },
        'joining',
        deps.config.exportHeartbeatTimeoutMs,
      );
      const formatter = createRowFormatter(input.request.exportType, input.plan.columns, input.request);
      const { compress } = input.request;
      const filePath = stagingPath(deps.config.stagingDir, input.jobID);
      const file = await StagingFile.create(filePath).catch((err: unknown) => {
        work.end();
        throw err;
      });
      try {
        const prologue = formatter.prologue();
        if (prologue) await file.append(await encodeText(prologue, compress));
        let rows = 0;
        for (const part of [...input.parts].sort((a, b) => a.part - b.part)) {
          if (part.rows === 0) continue;
          const separator = formatModule(input.request.exportType).partSeparator;
          if (rows > 0 && separator) await file.append(await encodeText(separator, compress));
          for await (const chunk of await storage.read(part.key)) {
            await file.append(chunk as Buffer);
            work.update({ bytes: file.bytes });
          }
          rows += part.rows;
          work.update({ rows });
        }
        await file.append(await encodeText(formatter.epilogue(rows), compress));
        await file.sync();
        return { stagingPath: filePath, rows, bytes: file.bytes, resumed: false };
      } finally {
        work.end();
        await file.close();
      }
    },
  };
}
