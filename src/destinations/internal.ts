import { z } from 'zod';
import { createInternalStorage } from '../storage/create';
import { storageKey, type InternalStorage } from '../storage/internal-storage';
import { destinationModule, type DestinationAdapter, type UploadRequest, type UploadResult } from './types';

const internalSchema = z
  .strictObject({ type: z.literal('aws') })
  .describe('Internal storage, downloadable from GET /jobs/{jobID}/download for 30 days');

export type AwsDestination = z.output<typeof internalSchema>;

/**
 * `aws`: our own storage, downloadable from GET /jobs/{jobID}/download (a split job's files from
 * GET /jobs/{jobID}/files/{name}) until it expires.
 */
export class InternalDestination implements DestinationAdapter<AwsDestination> {
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
      location: request.inSet
        ? `${this.publicUrl}/jobs/${request.jobID}/files/${encodeURIComponent(request.fileName)}`
        : `${this.publicUrl}/jobs/${request.jobID}/download`,
      expiresAt: new Date(Date.now() + this.retentionMs).toISOString(),
    };
  }
}

export const internalDestination = destinationModule({
  type: 'aws',
  schema: internalSchema,
  secretFields: [],
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
  createAdapter: ({ config }) =>
    new InternalDestination(createInternalStorage(config), config.publicUrl, config.storageRetentionMs),
});
