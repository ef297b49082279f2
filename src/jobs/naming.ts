import path from 'node:path';
import type { ExportFormat } from '../export/formatters';

export function defaultJobName(jobID: string): string {
  return `contacts-export-${jobID}`;
}

/** `{name}.csv` or `{name}.json`, plus `.gz` when compressed (SPEC section 2). */
export function exportFileName(name: string, format: ExportFormat, compress: boolean): string {
  return `${name}.${format}${compress ? '.gz' : ''}`;
}

/** The staging file of a job (or of one partition of it) on the exporting host. */
export function stagingPath(stagingDir: string, jobID: string, part?: number): string {
  return path.join(stagingDir, part === undefined ? `${jobID}.part` : `${jobID}.p${part}.part`);
}
