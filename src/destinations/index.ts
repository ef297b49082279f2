import { azureDestination } from './azure';
import { ftpDestination } from './ftp';
import { gcsDestination } from './gcs';
import { internalDestination } from './internal';
import { s3Destination } from './s3';
import { sftpDestination } from './sftp';
import type { DestinationAdapter, DestinationContext, DestinationModule } from './types';

/**
 * Every destination type, one line each. A new one is a module beside these (schema, secret
 * fields, retries, adapter) and its line here; the request schema, OpenAPI, the public view, log
 * redaction, delivery retries and the worker's adapters all follow from this table.
 */
export const destinationModules = {
  aws: internalDestination,
  ftp: ftpDestination,
  sftp: sftpDestination,
  s3: s3Destination,
  gcs: gcsDestination,
  azure: azureDestination,
} as const;

type Modules = typeof destinationModules;
export type DestinationType = keyof Modules;
type DestinationOf<M> = M extends DestinationModule<infer D> ? D : never;
/** A validated `destination` of any type (the schema's output). */
export type Destination = { [T in DestinationType]: DestinationOf<Modules[T]> }[DestinationType];

export const destinationTypes = Object.keys(destinationModules) as DestinationType[];

export function moduleOf(type: DestinationType): DestinationModule<Destination> {
  return destinationModules[type];
}

export type DestinationAdapters = { readonly [T in DestinationType]: DestinationAdapter };

/** The worker's adapters, one per destination type. */
export function createDestinations(context: DestinationContext): DestinationAdapters {
  return Object.fromEntries(
    destinationTypes.map((type) => [type, moduleOf(type).createAdapter(context)]),
  ) as unknown as DestinationAdapters;
}

export type {
  DestinationAdapter,
  DestinationContext,
  DestinationModule,
  UploadRequest,
  UploadResult,
} from './types';
