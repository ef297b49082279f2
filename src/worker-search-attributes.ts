import type { Client } from '@temporalio/client';
import type { Config } from './config';
import type { Logger } from './logger';
import { searchAttributeDefinitions } from '../workflows/search-attributes';

/**
 * Logs an error naming every custom search attribute the namespace lacks (a cluster set up for an
 * older version of this service, say): without them jobs and schedules cannot start. A namespace
 * that does not let this worker list its attributes (Temporal Cloud API keys may not) is trusted.
 */
export async function warnOfMissingSearchAttributes(
  client: Client,
  config: Config,
  logger: Logger,
): Promise<void> {
  let known: Record<string, unknown>;
  try {
    const listed = await client.connection.operatorService.listSearchAttributes({
      namespace: config.temporal.namespace,
    });
    known = listed.customAttributes ?? {};
  } catch (err) {
    logger.debug({ err }, 'could not list search attributes; not checked');
    return;
  }
  const missing = Object.keys(searchAttributeDefinitions).filter((name) => !(name in known));
  if (missing.length === 0) return;
  logger.error(
    {
      missing,
      fix: missing.map((name) => `temporal operator search-attribute create --name ${name} --type Keyword`),
    },
    'the Temporal namespace lacks search attributes this service sets: jobs and schedules will fail to start',
  );
}
