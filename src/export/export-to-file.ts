import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { BSON } from 'mongodb';
import { SplitLimitError } from '../errors';
import type { RowFormatter } from './formats';
import type { SplitLimits } from './split';
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
  /** Rows written, over every file. */
  readonly rows: number;
  /** Bytes of the file being written (of a split export: of its current file). */
  readonly bytes: number;
  /** True once the epilogue is written: the file is complete. */
  readonly complete: boolean;
  /** A split export's finished files, in order; the current one is number `files.length + 1`. */
  readonly files?: readonly FinishedFile[];
}

/** A finished file of a split export: complete, synced, never written again. */
export interface FinishedFile {
  readonly rows: number;
  readonly bytes: number;
}

/** Writing a split export: where each file closes and where file `number` (1-based) is staged. */
export interface SplitWriting extends SplitLimits {
  readonly filePath: (number: number) => string;
  readonly maxFiles: number;
}

export interface ExportToFileOptions {
  /** The staging file; a split export stages file n at `split.filePath(n)` instead. */
  readonly filePath: string;
  readonly split?: SplitWriting;
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
  /** A split export's files, in order (their sum is `rows`). */
  readonly files?: readonly FinishedFile[];
}

/**
 * Streams pages into the staging file: one long cursor per call, the next page read while the
 * current one is formatted, compressed and written, memory bounded by two pages. A split export
 * closes a file at the row where the next would break a limit and opens the next one; finished
 * files are in the checkpoint, so a resumed attempt never touches them again.
 */
export async function exportToFile(options: ExportToFileOptions): Promise<ExportFileResult> {
  const { formatter, signal, split } = options;
  const encode = (text: string | Buffer): Promise<Buffer> =>
    encodeText(text, options.compress, options.gzipLevel);
  const pathOf = (number: number): string => (split ? split.filePath(number) : options.filePath);

  const resume = options.resumeFrom;
  const files: FinishedFile[] = [...(resume?.files ?? [])];
  let file = resume ? await StagingFile.open(pathOf(files.length + 1), resume.bytes) : undefined;
  const resumed = file !== undefined;
  let checkpoint: Checkpoint;
  const withFiles = (c: Omit<Checkpoint, 'files'>): Checkpoint => (split ? { ...c, files: [...files] } : c);
  const result = (): ExportFileResult => ({
    rows: checkpoint.rows,
    bytes: checkpoint.bytes,
    resumed,
    ...(split ? { files: [...files, { rows: rowsInFile(), bytes: checkpoint.bytes }] } : {}),
  });
  const rowsInFile = (): number => checkpoint.rows - files.reduce((sum, f) => sum + f.rows, 0);

  if (file && resume) {
    checkpoint = resume;
    if (checkpoint.complete) {
      await file.close();
      return result();
    }
  } else {
    files.length = 0;
    file = await startFile(1);
    checkpoint = withFiles({ lastId: null, rows: 0, bytes: file.bytes, complete: false });
    await options.onCheckpoint(checkpoint);
  }

  async function startFile(number: number): Promise<StagingFile> {
    const created = await StagingFile.create(pathOf(number));
    const prologue = formatter.prologue();
    if (prologue.length > 0) await created.append(await encode(prologue));
    return created;
  }

  const epilogueBytes = new Map<string, number>();
  /** The encoded epilogue's size for a file of `rows` rows (it can depend on whether there are any). */
  async function closingBytes(rows: number): Promise<number> {
    const text = formatter.epilogue(rows);
    let size = epilogueBytes.get(text);
    if (size === undefined) {
      size = (await encode(text)).length;
      epilogueBytes.set(text, size);
    }
    return size;
  }

  /**
   * The longest head of `page` (shorter than `take` rows, which encode to `takeSize` bytes) that
   * still fits this file: guessed from the sizes seen so far (rows are about the same size) and
   * checked by encoding it, a few encodings once per file where a bisection took a dozen. With gzip,
   * whose sizes are not quite proportional, the file may close a few rows short of the limit.
   */
  async function fittingHead(
    page: Page,
    take: number,
    takeSize: number,
    inFile: number,
    maxBytes: number,
    fileBytes: number,
  ): Promise<{ rows: number; chunk: Buffer | undefined }> {
    const roomFor = async (rows: number): Promise<number> =>
      maxBytes - fileBytes - (await closingBytes(inFile + rows));
    let best = 0;
    let bestSize = 0;
    let bestChunk: Buffer | undefined;
    let over = take;
    let overSize = takeSize;
    const tryRows = async (rows: number): Promise<void> => {
      const candidate = await encode(pageText(formatter, head(page, rows), inFile));
      if (candidate.length <= (await roomFor(rows))) {
        best = rows;
        bestSize = candidate.length;
        bestChunk = candidate;
      } else {
        over = rows;
        overSize = candidate.length;
      }
    };
    for (let tries = 0; over - best > 1 && tries < 8; tries++) {
      const room = await roomFor(best + 1);
      const guess = best + Math.floor(((over - best) * (room - bestSize)) / Math.max(1, overSize - bestSize));
      await tryRows(Math.min(over - 1, Math.max(best + 1, guess)));
    }
    // Out of tries with nothing: one row either fits or the contact is too large for any file.
    if (best === 0 && over > 1) await tryRows(1);
    return { rows: best, chunk: bestChunk };
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
      let page = next.value;
      while (pageRows(page) > 0) {
        const inFile = rowsInFile();
        let take = pageRows(page);
        if (split?.maxRows) take = Math.min(take, split.maxRows - inFile);
        let chunk = take > 0 ? await encode(pageText(formatter, head(page, take), inFile)) : undefined;
        if (chunk && split?.maxBytes) {
          const room = split.maxBytes - file.bytes - (await closingBytes(inFile + take));
          if (chunk.length > room) {
            ({ rows: take, chunk } = await fittingHead(
              page,
              take,
              chunk.length,
              inFile,
              split.maxBytes,
              file.bytes,
            ));
            if (take === 0 && inFile === 0)
              throw new SplitLimitError(
                `one contact's row does not fit in a file of maxFileSizeMB (${split.maxBytes} bytes with its header)`,
              );
          }
        }
        if (!chunk || take === 0) {
          // This file is full: finish it for good, then go on in the next one.
          await file.append(await encode(formatter.epilogue(inFile)));
          await file.sync();
          await file.close();
          files.push({ rows: inFile, bytes: file.bytes });
          if (!split || files.length >= split.maxFiles)
            throw new SplitLimitError(
              `the export needs more than ${split?.maxFiles ?? 1} files; raise maxRowsPerFile or maxFileSizeMB`,
            );
          file = await startFile(files.length + 1);
          unsynced = 0;
          checkpoint = withFiles({ ...checkpoint, bytes: file.bytes });
          await options.onCheckpoint(checkpoint);
          continue;
        }
        await file.append(chunk);
        unsynced += chunk.length;
        if (options.syncEveryBytes && unsynced >= options.syncEveryBytes) {
          await file.sync();
          unsynced = 0;
        }
        checkpoint = withFiles({
          lastId: lastIdOf(page, take),
          rows: checkpoint.rows + take,
          bytes: file.bytes,
          complete: false,
        });
        await options.onCheckpoint(checkpoint);
        page = tail(page, take);
      }
    }
    await file.append(await encode(formatter.epilogue(rowsInFile())));
    await file.sync();
    checkpoint = withFiles({ ...checkpoint, bytes: file.bytes, complete: true });
    await options.onCheckpoint(checkpoint);
    return result();
  } finally {
    await iterator.return?.();
    await file.close();
  }
}

type Page = readonly Doc[] | RawPage;

function pageRows(page: Page): number {
  return 'raw' in page ? page.raw.length : page.length;
}

/** The first `rows` rows of a page (the page itself when that is all of it). */
function head(page: Page, rows: number): Page {
  if (rows >= pageRows(page)) return page;
  return 'raw' in page ? { raw: page.raw.slice(0, rows), lastId: undefined } : page.slice(0, rows);
}

function tail(page: Page, rows: number): Page {
  if (rows === 0) return page;
  return 'raw' in page ? { raw: page.raw.slice(rows), lastId: page.lastId } : page.slice(rows);
}

/** `_id` of the last of the first `rows` rows; a raw page decodes it only when cut short. */
function lastIdOf(page: Page, rows: number): unknown {
  if ('raw' in page) {
    if (rows >= page.raw.length) return page.lastId;
    const doc = page.raw[rows - 1];
    return doc ? BSON.deserialize(doc)._id : undefined;
  }
  return page[rows - 1]?._id;
}

function pageText(formatter: RowFormatter, page: Page, rowsBefore: number): string | Buffer {
  if (!('raw' in page)) return formatter.page(page, rowsBefore);
  if (!formatter.rawPage) throw new Error('raw BSON pages need a formatter with rawPage');
  return formatter.rawPage(page.raw, rowsBefore);
}
