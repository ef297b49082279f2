import { bsonRowEncoder, ByteSink, jsonCells, jsonKeys } from '../bson-rows';
import type { Column } from '../columns';
import { toJsonValue } from '../values';
import { cellReaders, type Doc, type FormatModule } from './row-formatter';

/** One flat object per contact, keyed by column header. */
export function jsonRow(columns: readonly Column[]): (doc: Doc) => string {
  const readers = cellReaders(columns);
  const headers = columns.map((c) => c.header);
  return (doc) => {
    const row: Doc = {};
    readers.forEach((read, c) => {
      row[headers[c]] = toJsonValue(read(doc));
    });
    return JSON.stringify(row);
  };
}

/** One JSON array of flat objects keyed by column header: "[\n{...},\n{...}\n]". */
export const jsonFormat: FormatModule = {
  name: 'json',
  description: 'One JSON array of objects keyed by column name',
  extension: 'json',
  contentType: 'application/json',
  header: false,
  // Joined partitions need the comma between their rows.
  partSeparator: ',',
  createFormatter(columns) {
    const row = jsonRow(columns);
    const encoder = bsonRowEncoder(columns, jsonCells(jsonKeys(columns)), row);
    const sink = new ByteSink();
    return {
      prologue: () => '[',
      page: (docs, rowsBefore) => {
        let out = '';
        docs.forEach((doc, i) => {
          out += (rowsBefore + i === 0 ? '\n' : ',\n') + row(doc);
        });
        return out;
      },
      rawPage: (docs, rowsBefore) => {
        docs.forEach((doc, i) => {
          sink.ascii(rowsBefore + i === 0 ? '\n' : ',\n');
          encoder.writeRow(sink, doc);
        });
        return sink.take();
      },
      epilogue: (rowsTotal) => (rowsTotal === 0 ? ']\n' : '\n]\n'),
    };
  },
};
