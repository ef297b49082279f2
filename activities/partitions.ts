import { Context } from '@temporalio/activity';
import { encodeText } from '../src/export/export-to-file';
import { createRowFormatter, formatModule, rowsOnly } from '../src/export/formats';
import { SplitLimitError } from '../src/errors';
import { MAX_SPLIT_FILES, filesInJobOrder } from '../src/export/split';
import { removeFile, removeStaged, splitStagingPath, StagingFile } from '../src/export/staging-file';
import { stagingPath } from '../src/jobs/naming';
import type { ExportPlan, ExportRequest, ExportTuning } from '../src/jobs/types';
import type { InternalStorage } from '../src/storage/internal-storage';
import { partitionBoundaries, serializeId, type SerializedId } from '../src/store/contacts';
import type { ActivityDeps } from './deps';
import { contactFilter, writeExport, type ExportedFile, type StagedFile } from './export';
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
  /** A split export's partition: its own complete files, stored in order (`key` is then unused). */
  readonly files?: readonly { readonly key: string; readonly rows: number; readonly bytes: number }[];
}

/** Internal storage is what every host can read; parts wait there for the host that joins them. */
export function partKey(jobID: string, part: number): string {
  return `.parts/${jobID}/p${part}`;
}

/** File `number` of a split export's partition, waiting for the join. */
export function partFileKey(jobID: string, part: number, number: number): string {
  return `${partKey(jobID, part)}.f${number}`;
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
     * resumable like a whole export, then stores it for the join. A split export's partition
     * writes complete files of its own (header, brackets) and stores each.
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
      const formatter = createRowFormatter(input.request.exportType, input.plan.columns, input.request);
      const written = await writeExport(deps, {
        jobID: input.jobID,
        filePath,
        plan: input.plan,
        formatter: input.plan.split ? formatter : rowsOnly(formatter),
        request: input.request,
        tuning: input.tuning,
        fromId: input.fromId,
        beforeId: input.beforeId,
        part: input.part,
        totalItems: input.totalItems,
      });
      const key = partKey(input.jobID, input.part);
      if (written.files) {
        const files = [];
        for (const [index, file] of written.files.entries()) {
          const fileKey = partFileKey(input.jobID, input.part, index + 1);
          await storage.put(fileKey, file.stagingPath);
          files.push({ key: fileKey, rows: file.rows, bytes: file.bytes });
        }
        await removeStaged(filePath);
        return { part: input.part, key, rows: written.rows, bytes: written.bytes, files };
      }
      await storage.put(key, filePath);
      await removeFile(filePath);
      return { part: input.part, key, rows: written.rows, bytes: written.bytes };
    },

    /**
     * Removes a job's parts from internal storage (after delivery, failure or cancellation); a
     * split export's stored files are named in `keys`.
     */
    async discardParts(input: { jobID: string; parts: number; keys?: string[] }): Promise<void> {
      for (let part = 0; part < input.parts; part++) await storage.remove(partKey(input.jobID, part));
      for (const key of input.keys ?? []) await storage.remove(key);
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
      const filePath = stagingPath(deps.config.stagingDir, input.jobID);
      if (input.plan.split) {
        try {
          return await collectFiles(filePath, input.parts, work);
        } finally {
          work.end();
        }
      }
      const formatter = createRowFormatter(input.request.exportType, input.plan.columns, input.request);
      const { compress } = input.request;
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

  /**
   * A split export's join: each partition's files are complete already, so they are fetched in
   * order onto this host and numbered across the job. Partition i's last file may be short.
   */
  async function collectFiles(
    filePath: string,
    parts: readonly ExportedPart[],
    work: { update(next: { rows?: number; bytes?: number }): void },
  ): Promise<ExportedFile> {
    const stored = filesInJobOrder(parts);
    if (stored.length > MAX_SPLIT_FILES)
      throw new SplitLimitError(
        `the export needs ${stored.length} files, more than ${MAX_SPLIT_FILES}; raise maxRowsPerFile or maxFileSizeMB`,
      );
    const files: StagedFile[] = [];
    let rows = 0;
    let bytes = 0;
    for (const [index, file] of stored.entries()) {
      const target = await StagingFile.create(splitStagingPath(filePath, index + 1));
      try {
        for await (const chunk of await storage.read(file.key)) await target.append(chunk as Buffer);
        await target.sync();
      } finally {
        await target.close();
      }
      files.push({ stagingPath: target.filePath, rows: file.rows, bytes: target.bytes });
      rows += file.rows;
      bytes += target.bytes;
      work.update({ rows, bytes });
    }
    return { stagingPath: filePath, rows, bytes, resumed: false, files };
  }
}
