import type { Column } from '../columns';
import { getPath, splitPath } from '../values';

export type Doc = Record<string, unknown>;

/**
 * Turns pages of contacts into file text. A formatter is stateless between pages apart from the
 * row count it is given, so a resumed export can continue a file mid-way.
 */
export interface RowFormatter {
  /** Text before the first row (CSV header when asked, JSON "["). */
  prologue(): string;
  /** Text for one page; `rowsBefore` is how many rows the file already holds. */
  page(docs: readonly Doc[], rowsBefore: number): string;
  /**
   * The same text as bytes, from the documents' raw BSON (src/export/bson-rows.ts): the export's
   * fast path. Formats without it are fed decoded documents.
   */
  rawPage?(docs: readonly Uint8Array[], rowsBefore: number): Buffer;
  /** Text after the last row ("\n]" for JSON). */
  epilogue(rowsTotal: number): string;
}

/**
 * One output format (`exportType`): everything the service knows about it lives in its module
 * under src/export/formats/ and is registered in ./index.ts.
 */
export interface FormatModule {
  /** The `exportType` value, lower case. */
  readonly name: string;
  /** One line for the API reference and the Jobs page. */
  readonly description: string;
  /** File extension without the dot (`.gz` is added when compressed). */
  readonly extension: string;
  /** Content-Type of an uncompressed file (`application/gzip` when compressed). */
  readonly contentType: string;
  /** Whether `showHeader` changes the file (a header row); other formats name their keys. */
  readonly header: boolean;
  /**
   * Text between two non-empty partitions' rows when a parallel export joins them. Partitions are
   * rows only (no prologue or epilogue), so any format whose rows concatenate can be joined.
   */
  readonly partSeparator: string;
  createFormatter(columns: readonly Column[], options: FormatOptions): RowFormatter;
}

/** What a request asks of its file's text. */
export interface FormatOptions {
  /** A header row, in formats that have one. */
  readonly showHeader: boolean;
  /** CSV: a ' before text cells that start with = + - @ tab or CR (OWASP "CSV injection"). */
  readonly neutralizeFormulas?: boolean;
}

export type CellReader = (doc: Doc) => unknown;

/** How each column's value is read from a contact: list membership as "1"/"0", fields by path. */
export function cellReaders(columns: readonly Column[]): CellReader[] {
  return columns.map((column): CellReader => {
    if (column.kind === 'list') {
      const name = column.listName;
      return (doc) => (Array.isArray(doc.lists) && doc.lists.includes(name) ? '1' : '0');
    }
    const segments = splitPath(column.path);
    return segments.length === 1 ? (doc) => doc[column.path] : (doc) => getPath(doc, segments);
  });
}

/** The rows of a formatter without its frame: what a partition of an export writes. */
export function rowsOnly(formatter: RowFormatter): RowFormatter {
  return {
    prologue: () => '',
    page: (docs, rowsBefore) => formatter.page(docs, rowsBefore),
    rawPage: formatter.rawPage
      ? (docs, rowsBefore) => formatter.rawPage?.(docs, rowsBefore) ?? Buffer.alloc(0)
      : undefined,
    epilogue: () => '',
  };
}
