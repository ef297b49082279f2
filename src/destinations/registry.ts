import type { Config } from '../config';
import { DestinationNotFoundError } from '../errors';
import type { DestinationType } from '../jobs/types';
import { createInternalStorage } from '../storage/create';
import { InternalDestination } from './internal';
import type { DestinationAdapter } from './types';

function notYetSupported(type: DestinationType): DestinationAdapter {
  return {
    type,
    upload: () =>
      Promise.reject(
        new DestinationNotFoundError(`destination type "${type}" is not supported by this worker`),
      ),
  };
}

/** One adapter per destination type; adding a type means one module and one line here. */
export function createDestinations(config: Config): Record<DestinationType, DestinationAdapter> {
  return {
    aws: new InternalDestination(createInternalStorage(config), config.publicUrl, config.storageRetentionMs),
    ftp: notYetSupported('ftp'),
    sftp: notYetSupported('sftp'),
    s3: notYetSupported('s3'),
    gcs: notYetSupported('gcs'),
  };
}
