import type { Column } from '../columns';
import { csvFormat } from './csv';
import { jsonFormat } from './json';
import { ndjsonFormat } from './ndjson';
import type { FormatModule, FormatOptions, RowFormatter } from './row-formatter';

export type { FormatOptions };

export { rowsOnly, type FormatModule, type RowFormatter } from './row-formatter';

/** Every output format, one line each; the request schema, OpenAPI and the Jobs page follow it. */
export const exportFormats = {
  csv: csvFormat,
  json: jsonFormat,
  ndjson: ndjsonFormat,
} as const satisfies Record<string, FormatModule>;

export type ExportFormat = keyof typeof exportFormats;

export const exportFormatNames = Object.keys(exportFormats) as [ExportFormat, ...ExportFormat[]];

export function formatModule(format: ExportFormat): FormatModule {
  return exportFormats[format];
}

export function createRowFormatter(
  format: ExportFormat,
  columns: readonly Column[],
  options: FormatOptions,
): RowFormatter {
  return formatModule(format).createFormatter(columns, options);
}

/** `{name}.{extension}`, plus `.gz` when compressed (SPEC section 2), then `.pgp` when encrypted. */
export function exportFileName(
  name: string,
  format: ExportFormat,
  compress: boolean,
  encrypted = false,
): string {
  return `${name}.${formatModule(format).extension}${compress ? '.gz' : ''}${encrypted ? '.pgp' : ''}`;
}

/**
 * The Content-Type of a file this service named (`{name}.{extension}[.gz]`), by its format's
 * extension; a name no format made gets application/octet-stream, never a guess.
 */
export function contentTypeOfFile(fileName: string): string {
  if (fileName.endsWith('.pgp')) return 'application/pgp-encrypted';
  if (fileName.endsWith('.gz')) return 'application/gzip';
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1);
  const format = Object.values(exportFormats).find((f) => f.extension === extension);
  return format?.contentType ?? 'application/octet-stream';
}

/** The Content-Type of an export file: its format's, or gzip's when compressed. */
export function exportContentType(format: ExportFormat, compress: boolean): string {
  return compress ? 'application/gzip' : formatModule(format).contentType;
}
