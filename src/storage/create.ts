import type { Config } from '../config';
import { s3Client } from '../net/s3-client';
import type { InternalStorage } from './internal-storage';
import { LocalFolderStorage } from './local-folder-storage';
import { S3Storage } from './s3-storage';

/** A local folder by default; any S3-compatible bucket when STORAGE_S3_BUCKET is set. */
export function createInternalStorage(config: Config): InternalStorage {
  const s3 = config.storageS3;
  if (!s3) return new LocalFolderStorage(config.storageDir);
  const client = s3Client({
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    endpoint: config.s3Endpoint,
  });
  return new S3Storage(client, s3.bucket, s3.prefix);
}
