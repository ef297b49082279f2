import type { AwsDestination } from '../jobs/types';
import { storageKey, type InternalStorage } from '../storage/internal-storage';
import type { DestinationAdapter, UploadRequest, UploadResult } from './types';

/** `aws`: our own storage, downloadable from GET /jobs/{jobID}/download until it expires. */
export class InternalDestination implements DestinationAdapter<AwsDestination> {
  readonly type = 'aws' as const;

  constructor(
    private readonly storage: InternalStorage,
    private readonly publicUrl: string,
    private readonly retentionMs: number,
  ) {}

  async upload(_destination: AwsDestination, request: UploadRequest): Promise<UploadResult> {
    await this.storage.put(
      storageKey(request.owner, request.jobID, request.fileName),
      request.localPath,
      request.onProgress,
    );
    return {
      location: `${this.publicUrl}/jobs/${request.jobID}/download`,
      expiresAt: new Date(Date.now() + this.retentionMs).toISOString(),
    };
  }
}
