import { stringify } from 'csv-stringify/sync';
import type { Column } from './columns';
import { getPath, splitPath, toCsvCell, toJsonValue } from './values';

export type ExportFormat = 'csv' | 'json';

type Doc = Record<string, unknown>;

/**
 * Turns pages of contacts into file text. A formatter is stateless between pages apart from the
 * row count it is given, so a resumed export can continue a file mid-way.
 */
export interface RowFormatter {
  /** Text before the first row (CSV header when asked, JSON "["). */
  prologue(): string;
  /** Text for one page; `rowsBefore` is how many rows the file already holds. */
  page(docs: readonly Doc[], rowsBefore: number): string;
  /** Text after the last row ("\n]" for JSON). */
  epilogue(rowsTotal: number): string;
}

type CellReader = (doc: Doc) => unknown;

function cellReaders(columns: readonly Column[]): CellReader[] {
  return columns.map((column): CellReader => {
    if (column.kind === 'list') {
      const name = column.listName;
      return (doc) => (Array.isArray(doc.lists) && doc.lists.includes(name) ? '1' : '0');
    }
    const segments = splitPath(column.path);
    return segments.length === 1 ? (doc) => doc[column.path] : (doc) => getPath(doc, segments);
  });
}

export function createRowFormatter(
  format: ExportFormat,
  columns: readonly Column[],
  showHeader: boolean,
): RowFormatter {
  return format === 'csv' ? csvFormatter(columns, showHeader) : jsonFormatter(columns);
}

/**
 * RFC 4180 through csv-stringify's sync API, one call per page (its per-record stream is slower).
 * csv-stringify does not quote a field holding a bare CR on its own; the option that makes it
 * costs a quarter of the throughput, so it is used only for the (rare) pages that hold one.
 */
function csvFormatter(columns: readonly Column[], showHeader: boolean): RowFormatter {
  const readers = cellReaders(columns);
  const plain = { record_delimiter: '\n' } as const;
  const withCarriageReturns = { record_delimiter: '\n', quoted_match: /\r/ } as const;
  return {
    prologue: () => (showHeader ? stringify([columns.map((c) => c.header)], withCarriageReturns) : ''),
    page: (docs) => {
      let carriageReturn = false;
      const rows = docs.map((doc) =>
        readers.map((read) => {
          const cell = toCsvCell(read(doc));
          if (!carriageReturn && cell.includes('\r')) carriageReturn = true;
          return cell;
        }),
      );
      return stringify(rows, carriageReturn ? withCarriageReturns : plain);
    },
    epilogue: () => '',
  };
}

/** One JSON array of flat objects keyed by column header: "[\n{...},\n{...}\n]". */
function jsonFormatter(columns: readonly Column[]): RowFormatter {
  const readers = cellReaders(columns);
  const headers = columns.map((c) => c.header);
  return {
    prologue: () => '[',
    page: (docs, rowsBefore) => {
      let out = '';
      docs.forEach((doc, i) => {
        const row: Doc = {};
        readers.forEach((read, c) => {
          row[headers[c]] = toJsonValue(read(doc));
        });
        out += (rowsBefore + i === 0 ? '\n' : ',\n') + JSON.stringify(row);
      });
      return out;
    },
    epilogue: (rowsTotal) => (rowsTotal === 0 ? ']\n' : '\n]\n'),
  };
}

/** The rows of a formatter without its frame: what a partition of an export writes. */
export function rowsOnly(formatter: RowFormatter): RowFormatter {
  return {
    prologue: () => '',
    page: (docs, rowsBefore) => formatter.page(docs, rowsBefore),
    epilogue: () => '',
  };
}

/** Text between two non-empty partitions when joined (JSON rows need their comma). */
export function partSeparator(format: ExportFormat): string {
  return format === 'json' ? ',' : '';
}
