import { bsonRowEncoder, ByteSink, jsonCells, jsonKeys } from '../bson-rows';
import { jsonRow } from './json';
import type { FormatModule } from './row-formatter';

/**
 * Newline-delimited JSON: one object per line, each line ending in "\n", no frame. What BigQuery,
 * Snowflake and Braze load; any prefix of whole lines is itself a valid file.
 */
export const ndjsonFormat: FormatModule = {
  name: 'ndjson',
  description: 'Newline-delimited JSON: one object per line, keyed by column name',
  extension: 'ndjson',
  contentType: 'application/x-ndjson',
  header: false,
  partSeparator: '',
  createFormatter(columns) {
    const row = jsonRow(columns);
    const encoder = bsonRowEncoder(columns, jsonCells(jsonKeys(columns)), row);
    const sink = new ByteSink();
    return {
      prologue: () => '',
      page: (docs) => {
        let out = '';
        for (const doc of docs) out += `${row(doc)}\n`;
        return out;
      },
      rawPage: (docs) => {
        for (const doc of docs) {
          encoder.writeRow(sink, doc);
          sink.byte(0x0a);
        }
        return sink.take();
      },
      epilogue: () => '',
    };
  },
};
