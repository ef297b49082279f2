import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { RowFormatter } from './formats';
import { StagingFile } from './staging-file';

const gzip = promisify(zlib.gzip);

/** Text (or bytes) as file bytes: UTF-8, or one gzip member when compressed. */
export async function encodeText(text: string | Buffer, compress: boolean, level = 6): Promise<Buffer> {
  if (compress) return gzip(text, { level });
  return typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
}

type Doc = Record<string, unknown>;

/** A page of contacts as raw BSON, for formatters with `rawPage` (src/export/bson-rows.ts). */
export interface RawPage {
  readonly raw: readonly Uint8Array[];
  readonly lastId: unknown;
}

/** Where an export stands after a page is safely in the staging file (heartbeated to Temporal). */
export interface Checkpoint {
  /** `_id` of the last exported contact, null before the first row. */
  readonly lastId: unknown;
  readonly rows: number;
  readonly bytes: number;
  /** True once the epilogue is written: the file is complete. */
  readonly complete: boolean;
}

export interface ExportToFileOptions {
  readonly filePath: string;
  readonly formatter: RowFormatter;
  readonly compress: boolean;
  /** gzip level 1-9; each page becomes one gzip member so any checkpoint ends on a member boundary. */
  readonly gzipLevel?: number;
  /** Pages of contacts in `_id` order after `afterId` (null: from the start), decoded or raw. */
  readonly pages: (afterId: unknown) => AsyncIterable<readonly Doc[] | RawPage>;
  readonly resumeFrom?: Checkpoint;
  /** Called after each page is written; heartbeats and progress hang off it. */
  readonly onCheckpoint: (checkpoint: Checkpoint) => void | Promise<void>;
  /** Flush to disk every this many bytes (0: never); keeps checkpoints true across power loss. */
  readonly syncEveryBytes?: number;
  readonly signal?: AbortSignal;
}

export interface ExportFileResult {
  readonly rows: number;
  readonly bytes: number;
  readonly resumed: boolean;
}

/**
 * Streams pages into the staging file: one long cursor per call, the next page read while the
 * current one is formatted, compressed and written, memory bounded by two pages.
 */
export async function exportToFile(options: ExportToFileOptions): Promise<ExportFileResult> {
  const { formatter, compress, signal } = options;
  const encode = (text: string | Buffer): Promise<Buffer> => encodeText(text, compress, options.gzipLevel);

  const resume = options.resumeFrom;
  let file = resume ? await StagingFile.open(options.filePath, resume.bytes) : undefined;
  const resumed = file !== undefined;
  let checkpoint: Checkpoint;
  if (file && resume) {
    checkpoint = resume;
    if (checkpoint.complete) {
      await file.close();
      return { rows: checkpoint.rows, bytes: checkpoint.bytes, resumed };
    }
  } else {
    file = await StagingFile.create(options.filePath);
    const prologue = formatter.prologue();
    if (prologue.length > 0) await file.append(await encode(prologue));
    checkpoint = { lastId: null, rows: 0, bytes: file.bytes, complete: false };
    await options.onCheckpoint(checkpoint);
  }

  let unsynced = 0;
  const iterator = options.pages(checkpoint.lastId)[Symbol.asyncIterator]();
  try {
    let pending = iterator.next();
    for (;;) {
      const next = await pending;
      if (next.done) break;
      signal?.throwIfAborted();
      pending = iterator.next();
      // Keep a failure of the read-ahead from surfacing as unhandled while this page is written.
      pending.catch(() => undefined);
      const page = next.value;
      const rows = 'raw' in page ? page.raw.length : page.length;
      if (rows === 0) continue;
      const chunk = await encode(pageText(formatter, page, checkpoint.rows));
      await file.append(chunk);
      unsynced += chunk.length;
      if (options.syncEveryBytes && unsynced >= options.syncEveryBytes) {
        await file.sync();
        unsynced = 0;
      }
      checkpoint = {
        lastId: 'raw' in page ? page.lastId : page[page.length - 1]?._id,
        rows: checkpoint.rows + rows,
        bytes: file.bytes,
        complete: false,
      };
      await options.onCheckpoint(checkpoint);
    }
    await file.append(await encode(formatter.epilogue(checkpoint.rows)));
    await file.sync();
    checkpoint = { ...checkpoint, bytes: file.bytes, complete: true };
    await options.onCheckpoint(checkpoint);
    return { rows: checkpoint.rows, bytes: checkpoint.bytes, resumed };
  } finally {
    await iterator.return?.();
    await file.close();
  }
}

function pageText(
  formatter: RowFormatter,
  page: readonly Doc[] | RawPage,
  rowsBefore: number,
): string | Buffer {
  if (!('raw' in page)) return formatter.page(page, rowsBefore);
  if (!formatter.rawPage) throw new Error('raw BSON pages need a formatter with rawPage');
  return formatter.rawPage(page.raw, rowsBefore);
}
