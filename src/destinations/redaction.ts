import { destinationModules, moduleOf, type Destination } from './index';

/** A destination as shown to users: no secrets. */
export type PublicDestination = Record<string, string | number>;

/**
 * A destination safe to show in job status, lists, emails and the memo: its module's secret fields
 * dropped, its masked fields cut to their last four characters. Unknown keys are kept only as
 * strings and numbers (a destination holds nothing else).
 */
export function publicDestination(destination: Destination): PublicDestination {
  const module = moduleOf(destination.type);
  const secret = new Set(module.secretFields);
  const masked = new Set(module.maskedFields ?? []);
  const out: PublicDestination = {};
  for (const [key, value] of Object.entries(destination) as [string, unknown][]) {
    if (value === undefined || secret.has(key)) continue;
    if (masked.has(key) && typeof value === 'string') out[key] = `****${value.slice(-4)}`;
    else if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}

/** Every secret field of every destination type. */
export const secretFieldNames: readonly string[] = [
  ...new Set(Object.values(destinationModules).flatMap((module) => module.secretFields)),
];

/** pino redact paths: a secret field wherever a request, destination or job is logged. */
export function logRedactPaths(): string[] {
  return secretFieldNames.flatMap((field) => [
    `*.${field}`,
    `*.destination.${field}`,
    `*.request.destination.${field}`,
  ]);
}
