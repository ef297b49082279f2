import type { Destination, PublicDestination } from '../src/jobs/types';

const secretKeys = new Set(['password', 'aws_secret_access_key']);

/**
 * A destination safe to show in job status, lists, emails and search attributes: passwords and
 * secret keys removed, the access key ID cut to its last four characters. Pure, so the workflow
 * and the gateway share it.
 */
export function publicDestination(destination: Destination): PublicDestination {
  const out: PublicDestination = {};
  for (const [key, value] of Object.entries(destination) as [string, unknown][]) {
    if (value === undefined || secretKeys.has(key)) continue;
    if (key === 'aws_access_key_id' && typeof value === 'string') {
      out[key] = `****${value.slice(-4)}`;
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}
