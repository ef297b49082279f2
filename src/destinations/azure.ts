import {
  AnonymousCredential,
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { z } from 'zod';
import {
  AppError,
  DestinationAuthError,
  DestinationNotFoundError,
  DestinationPermissionError,
  DestinationUnavailableError,
} from '../errors';
import { credentialSchema, destinationPathSchema, exactlyOne } from '../schema/fields';
import { networkError } from './network-errors';
import { segments } from './paths';
import {
  destinationModule,
  objectStoreRetry,
  type DestinationAdapter,
  type UploadRequest,
  type UploadResult,
} from './types';

const credential = exactlyOne('azure_account_key', 'azure_sas_token');

const azureSchema = z
  .strictObject({
    type: z.literal('azure'),
    azure_account: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, 'expected a storage account name: 3-24 lower-case letters and digits'),
    azure_container: z
      .string()
      .min(3, 'expected a container name of 3-63 characters')
      .max(63, 'expected a container name of 3-63 characters')
      .regex(
        /^[a-z0-9]+(-[a-z0-9]+)*$/,
        'expected a container name: lower-case letters, digits and single inner dashes',
      ),
    azure_account_key: credentialSchema.optional(),
    azure_sas_token: credentialSchema.optional(),
    path: destinationPathSchema.default(''),
  })
  .describe('Azure Blob Storage with the account key or a SAS token (exactly one). path is a folder.')
  .superRefine(credential.check);

export type AzureDestination = z.output<typeof azureSchema>;

export interface AzureOptions {
  /**
   * The Blob service for emulators and sovereign clouds, the account then taken as the first path
   * segment (Azurite: http://127.0.0.1:10000). Unset: https://{account}.blob.core.windows.net.
   */
  readonly endpoint?: string;
  readonly timeoutMs: number;
}

/** The blob name: folder segments + file name. */
export function azureBlobName(path: string, fileName: string): string {
  return [...segments(path), fileName].join('/');
}

/**
 * Azure Blob Storage with @azure/storage-blob. One block blob: small files in one Put Blob, larger
 * ones as staged blocks committed by one Put Block List. Until that commit nothing is visible, and
 * uncommitted blocks are discarded by Azure, so a failed upload leaves no blob behind.
 */
export class AzureAdapter implements DestinationAdapter<AzureDestination> {
  constructor(private readonly options: AzureOptions) {}

  private service(destination: AzureDestination): BlobServiceClient {
    const base = this.options.endpoint
      ? `${this.options.endpoint.replace(/\/+$/, '')}/${destination.azure_account}`
      : `https://${destination.azure_account}.blob.core.windows.net`;
    const pipeline: StoragePipelineOptions = {
      // Temporal retries the whole upload with backoff; no hidden retries underneath.
      retryOptions: { maxTries: 1, tryTimeoutInMs: Math.max(this.options.timeoutMs, 60_000) },
    };
    if (destination.azure_account_key !== undefined) {
      const credential = new StorageSharedKeyCredential(
        destination.azure_account,
        destination.azure_account_key,
      );
      return new BlobServiceClient(base, credential, pipeline);
    }
    const sas = (destination.azure_sas_token ?? '').replace(/^\?/, '');
    return new BlobServiceClient(`${base}?${sas}`, new AnonymousCredential(), pipeline);
  }

  async upload(destination: AzureDestination, request: UploadRequest): Promise<UploadResult> {
    const name = azureBlobName(destination.path, request.fileName);
    const blob = this.service(destination)
      .getContainerClient(destination.azure_container)
      .getBlockBlobClient(name);
    try {
      await blob.uploadFile(request.localPath, {
        blockSize: 8 * 1024 * 1024,
        maxSingleShotSize: 8 * 1024 * 1024,
        concurrency: 4,
        abortSignal: request.signal,
        onProgress: (progress) => request.onProgress(progress.loadedBytes),
        blobHTTPHeaders: { blobContentType: request.contentType },
      });
      return { location: `azure://${destination.azure_account}/${destination.azure_container}/${name}` };
    } catch (err) {
      throw request.signal.aborted ? request.signal.reason : classify(err, destination);
    }
  }
}

function classify(err: unknown, destination: AzureDestination): AppError {
  if (err instanceof AppError) return err;
  const where = `Azure container '${destination.azure_container}' of account '${destination.azure_account}'`;
  const status = err instanceof RestError ? err.statusCode : undefined;
  const code = err instanceof RestError ? (err.code ?? '') : '';
  const how = destination.azure_account_key !== undefined ? 'account key' : 'SAS token';
  const message = err instanceof Error ? err.message : String(err);
  // Azure answers a bad signature with 403 AuthenticationFailed; Azurite with 403
  // AuthorizationFailure. Both say the server "failed to authenticate the request".
  if (
    code === 'AuthenticationFailed' ||
    code === 'InvalidAuthenticationInfo' ||
    status === 401 ||
    (status === 403 && /failed to authenticate/i.test(message))
  )
    return new DestinationAuthError(`${where}: the ${how} was refused (${code || status})`);
  const missing: Record<string, string> = {
    ContainerNotFound: 'no such container',
    AccountNotFound: 'no such account',
    ResourceNotFound: 'no such account or container',
  };
  if (Object.hasOwn(missing, code)) return new DestinationNotFoundError(`${where}: ${missing[code]}`);
  if (status === 403)
    return new DestinationPermissionError(
      `${where}: the ${how} may not write here; it needs write and create permission (${code || status})`,
    );
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429)
    return new DestinationPermissionError(`${where}: ${code || status}`);
  const network = networkError(err, where);
  if (network) return network;
  return new DestinationUnavailableError(
    `${where}: ${[code, message].filter(Boolean).join(': ')}; will retry`,
  );
}

export const azureDestination = destinationModule({
  type: 'azure',
  schema: azureSchema,
  jsonSchema: credential.jsonSchema,
  secretFields: ['azure_account_key', 'azure_sas_token'],
  retry: objectStoreRetry,
  createAdapter: ({ config }) =>
    new AzureAdapter({ endpoint: config.azureBlobEndpoint, timeoutMs: config.destinationTimeoutMs }),
});
