/** The Content-Type of an export file, from its name. */
export function contentTypeFor(fileName: string): string {
  if (fileName.endsWith('.gz')) return 'application/gzip';
  if (fileName.endsWith('.json')) return 'application/json';
  return 'text/csv; charset=utf-8';
}
