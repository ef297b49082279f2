import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { AppMetrics } from '../metrics';
import type { InternalStorage } from '../storage/internal-storage';
import type { ApiKeyVerifier } from './auth';

/** What the gateway's routes use, built once in startWebServer. */
export interface ApiDeps {
  readonly config: Config;
  readonly client: Client;
  readonly db: Db;
  readonly storage: InternalStorage;
  readonly verifyApiKey: ApiKeyVerifier;
  readonly logger: Logger;
  readonly metrics: AppMetrics;
}
