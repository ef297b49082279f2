import { stringify } from 'csv-stringify/sync';
import { bsonRowEncoder, ByteSink, csvCells } from '../bson-rows';
import type { Column } from '../columns';
import { toCsvCell } from '../values';
import { cellReaders, type Doc, type FormatModule } from './row-formatter';

/**
 * RFC 4180 through csv-stringify's sync API, one call per page (its per-record stream is slower).
 * csv-stringify does not quote a field holding a bare CR on its own; the option that makes it
 * costs a quarter of the throughput, so it is used only for the (rare) pages that hold one.
 */
export const csvFormat: FormatModule = {
  name: 'csv',
  description: 'Comma-separated values (RFC 4180), with a header row when showHeader is true',
  extension: 'csv',
  contentType: 'text/csv; charset=utf-8',
  header: true,
  partSeparator: '',
  createFormatter(columns, { showHeader, neutralizeFormulas = false }) {
    const page = csvPage(columns, neutralizeFormulas);
    const encoder = bsonRowEncoder(columns, csvCells(neutralizeFormulas), (doc) => page([doc]));
    const sink = new ByteSink();
    return {
      prologue: () => (showHeader ? stringify([columns.map((c) => c.header)], withCarriageReturns) : ''),
      page,
      rawPage: (docs) => {
        for (const doc of docs) encoder.writeRow(sink, doc);
        return sink.take();
      },
      epilogue: () => '',
    };
  },
};

const plain = { record_delimiter: '\n' } as const;
const withCarriageReturns = { record_delimiter: '\n', quoted_match: /\r/ } as const;

/** What makes a spreadsheet read a text cell as a formula (OWASP "CSV injection"). */
const formulaStart = /^[=+\-@\t\r]/;

/** Decoded contacts → CSV rows: the reference the raw BSON path must match byte for byte. */
function csvPage(columns: readonly Column[], neutralizeFormulas: boolean): (docs: readonly Doc[]) => string {
  const readers = cellReaders(columns);
  return (docs) => {
    let carriageReturn = false;
    const rows = docs.map((doc) =>
      readers.map((read) => {
        const value = read(doc);
        let cell = toCsvCell(value);
        // Text only: numbers, dates and IDs cannot hold a formula (and -5 must stay a number).
        if (neutralizeFormulas && typeof value === 'string' && formulaStart.test(cell)) cell = `'${cell}`;
        if (!carriageReturn && cell.includes('\r')) carriageReturn = true;
        return cell;
      }),
    );
    return stringify(rows, carriageReturn ? withCarriageReturns : plain);
  };
}
