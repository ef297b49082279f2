import type { Readable } from 'node:stream';

/** Our own file store for `aws`-type exports: downloadable for the retention period, then purged. */
export interface InternalStorage {
  readonly kind: 'local' | 's3';
  /** Stores a local file under `key` atomically (readers never see a partial file). */
  put(key: string, localPath: string, onProgress?: (bytes: number) => void): Promise<{ bytes: number }>;
  stat(key: string): Promise<{ bytes: number; storedAt: Date } | undefined>;
  /** Reads `key`, or the inclusive byte range [start, end]. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  remove(key: string): Promise<void>;
  /**
   * A URL that downloads `key` without our credentials for `ttlSeconds`, served as an attachment
   * named `fileName` of `contentType` (object stores only; the local folder has none).
   */
  presignedUrl?(
    key: string,
    options: { ttlSeconds: number; fileName: string; contentType: string },
  ): Promise<string>;
  /** Keys stored before `cutoff`. */
  listStoredBefore(cutoff: Date): Promise<string[]>;
}

/** Storage keys: one folder per owner and job, so ownership is visible in the layout. */
export function storageKey(owner: string, jobID: string, fileName: string): string {
  return `${owner}/${jobID}/${fileName}`;
}
