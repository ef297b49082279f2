import type { Destination, DestinationType } from '../jobs/types';

export interface UploadRequest {
  readonly jobID: string;
  readonly owner: string;
  /** The finished export on the local disk. */
  readonly localPath: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly onProgress: (bytesSent: number) => void;
  readonly signal: AbortSignal;
}

export interface UploadResult {
  /** Where the file is now, without credentials (a download link for internal storage). */
  readonly location: string;
  /** Internal storage only: when the file will be purged. */
  readonly expiresAt?: string;
}

/**
 * One module per destination type behind this shape. Uploads are atomic: a failed or cancelled
 * upload leaves nothing at the destination. Errors are the Destination*Error family.
 */
export interface DestinationAdapter<D extends Destination = Destination> {
  readonly type: DestinationType;
  upload(destination: D, request: UploadRequest): Promise<UploadResult>;
}
