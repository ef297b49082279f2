/**
 * Split exports (`maxRowsPerFile`, `maxFileSizeMB`): a job's rows in numbered files, each a
 * complete file of its format, plus a manifest delivered last. Pure naming and limits; the
 * writing is in ./export-to-file.ts, the delivery in activities/deliver.ts.
 */

/** `maxFileSizeMB` counts binary megabytes. */
export const BYTES_PER_MB = 1024 * 1024;

/**
 * At most this many files per job: each file is a line in the job's status, its manifest and the
 * workflow's result, which Temporal keeps small (2 MB payloads).
 */
export const MAX_SPLIT_FILES = 1000;

/** Where one file of a split export closes. Either limit may be absent, not both. */
export interface SplitLimits {
  readonly maxRows: number | null;
  /** Bytes of each file as written: after gzip, before PGP encryption. */
  readonly maxBytes: number | null;
}

/** A split job's plan: its limits and the names of its files. */
export interface SplitPlan extends SplitLimits {
  /** The job's name: files are `{stem}-part-00001{suffix}`, the manifest `{stem}.manifest.json`. */
  readonly stem: string;
  /** The whole-file name's extensions (`.csv.gz.pgp`). */
  readonly suffix: string;
}

export function splitLimits(request: {
  readonly maxRowsPerFile?: number;
  readonly maxFileSizeMB?: number;
}): SplitLimits | undefined {
  if (request.maxRowsPerFile === undefined && request.maxFileSizeMB === undefined) return undefined;
  return {
    maxRows: request.maxRowsPerFile ?? null,
    maxBytes: request.maxFileSizeMB === undefined ? null : Math.floor(request.maxFileSizeMB * BYTES_PER_MB),
  };
}

/** `{stem}-part-00001.csv.gz`: five digits, so names sort in order up to MAX_SPLIT_FILES and past. */
export function splitFileName(plan: Pick<SplitPlan, 'stem' | 'suffix'>, number: number): string {
  return `${plan.stem}-part-${String(number).padStart(5, '0')}${plan.suffix}`;
}

/**
 * A partitioned split export's files in job order. A partition that matched nothing (its
 * contacts deleted after planning) wrote one file of no rows, just a header or `[]`: it is left
 * out, so a partner gets no empty file mid-sequence, unless every partition was empty, when the
 * job still delivers one file, as an unpartitioned export of nothing does.
 */
export function filesInJobOrder<F extends { readonly rows: number }>(
  parts: readonly { readonly part: number; readonly files?: readonly F[] }[],
): F[] {
  const all = [...parts].sort((a, b) => a.part - b.part).flatMap((part) => part.files ?? []);
  const withRows = all.filter((file) => file.rows > 0);
  return withRows.length > 0 ? withRows : all.slice(0, 1);
}

export function manifestFileName(plan: Pick<SplitPlan, 'stem'>): string {
  return `${plan.stem}.manifest.json`;
}

/** One delivered file as the manifest and the job's status list it. */
export interface ManifestFile {
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** `{name}.manifest.json`: its arrival says the set is complete. */
export interface Manifest {
  readonly name: string;
  readonly jobID: string;
  readonly exportType: string;
  readonly compress: boolean;
  readonly encrypted: boolean;
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
  readonly totals: { readonly files: number; readonly rows: number; readonly bytes: number };
}

export function buildManifest(
  job: Omit<Manifest, 'files' | 'totals'>,
  files: readonly ManifestFile[],
): Manifest {
  return {
    ...job,
    files: files.map(({ name, rows, bytes, sha256 }) => ({ name, rows, bytes, sha256 })),
    totals: {
      files: files.length,
      rows: files.reduce((sum, f) => sum + f.rows, 0),
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    },
  };
}
