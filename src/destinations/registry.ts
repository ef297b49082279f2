import type { Db } from 'mongodb';
import type { Config } from '../config';
import type { Destination, DestinationType } from '../jobs/types';
import { createInternalStorage } from '../storage/create';
import { FtpAdapter } from './ftp';
import { GcsAdapter } from './gcs';
import { InternalDestination } from './internal';
import { S3Adapter } from './s3';
import { SftpAdapter } from './sftp';
import type { DestinationAdapter } from './types';

/** One adapter per destination type; adding a type means one module and one line here. */
export function createDestinations(config: Config, db: Db): Record<DestinationType, DestinationAdapter> {
  const allowPrivate = config.allowPrivateDestinations;
  const timeoutMs = config.destinationTimeoutMs;
  const adapters: { [T in DestinationType]: DestinationAdapter<Extract<Destination, { type: T }>> } = {
    aws: new InternalDestination(createInternalStorage(config), config.publicUrl, config.storageRetentionMs),
    ftp: new FtpAdapter({ allowPrivate, timeoutMs, tls: config.ftpTls, tlsCaFile: config.ftpTlsCaFile }),
    sftp: new SftpAdapter({ allowPrivate, timeoutMs, db, keyring: config.keyring }),
    s3: new S3Adapter({ endpoint: config.s3Endpoint, timeoutMs }),
    gcs: new GcsAdapter(config.gcs),
  };
  return adapters;
}
