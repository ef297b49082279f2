import path from 'node:path';

export function defaultJobName(jobID: string): string {
  return `contacts-export-${jobID}`;
}

/** The staging file of a job (or of one partition of it) on the exporting host. */
export function stagingPath(stagingDir: string, jobID: string, part?: number): string {
  return path.join(stagingDir, part === undefined ? `${jobID}.part` : `${jobID}.p${part}.part`);
}
