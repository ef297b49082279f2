import type { ScheduleSpec } from '@temporalio/client';

/**
 * When an export schedule runs: a 5-field cron (or @daily-style shorthand) or a fixed interval, in
 * an IANA time zone. Cron field ranges are checked by Temporal itself when the schedule is written;
 * the shape, the interval and the zone are checked here first, so each error names its field.
 */
export interface ScheduleTiming {
  readonly cron: string | null;
  readonly every: string | null;
  readonly timezone: string;
}

/** Five space-separated cron fields, or a shorthand; no seconds, years, `@every` or CRON_TZ prefix. */
export const cronPattern =
  /^(@(yearly|annually|monthly|weekly|daily|hourly)|[0-9A-Za-z*,/?-]+( [0-9A-Za-z*,/?-]+){4})$/;

/** Days, hours, minutes and seconds in that order, each at most once: 24h, 90m, 1h30m, 2d. */
export const intervalPattern = /^(?=\d)(\d{1,6}d)?(\d{1,6}h)?(\d{1,6}m)?(\d{1,6}s)?$/;

/** An IANA zone name such as Europe/Berlin or UTC (Node's ICU decides whether it exists). */
export const timezonePattern = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;

/** Milliseconds of an interval such as "1h30m", or undefined when it does not match the pattern. */
export function intervalMs(every: string): number | undefined {
  if (!intervalPattern.test(every)) return undefined;
  let total = 0;
  for (const [, amount, unit] of every.matchAll(/(\d+)([dhms])/g))
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

export function isKnownTimezone(timezone: string): boolean {
  if (!timezonePattern.test(timezone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The Temporal schedule spec of a timing (already validated). */
export function temporalSpec(timing: ScheduleTiming): ScheduleSpec {
  const timezone = timing.timezone;
  if (timing.cron !== null) return { cronExpressions: [timing.cron], timezone };
  const every = timing.every === null ? undefined : intervalMs(timing.every);
  if (every === undefined) throw new Error('a schedule timing needs a cron or an interval');
  return { intervals: [{ every }], timezone };
}

/** A run's time as it appears in its job's name and file: 20261128T020000Z (UTC, to the second). */
export function runStamp(runStart: Date): string {
  return runStart
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The longest export or schedule name that still fits a job name once `-{runStamp}` is added. */
export const MAX_SCHEDULED_NAME_LENGTH = 100 - '-20261128T020000Z'.length;

/**
 * What a schedule needs beyond each field's own shape, checked on the whole (after a PATCH is
 * merged): an interval no shorter than the minimum, a name that fits once the run's time is
 * appended, and no fixed window in an incremental schedule (its runs set their own).
 */
export function scheduleProblems(
  definition: { readonly every: string | null; readonly incremental: boolean },
  request: { readonly name?: string; readonly modifiedSince?: string; readonly modifiedBefore?: string },
  minIntervalMs: number,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const every = definition.every === null ? undefined : intervalMs(definition.every);
  if (every !== undefined && every < minIntervalMs)
    problems.push({
      path: 'every',
      message: `must be at least ${minIntervalMs / 1000}s (SCHEDULE_MIN_INTERVAL)`,
    });
  if (request.name !== undefined && request.name.length > MAX_SCHEDULED_NAME_LENGTH)
    problems.push({
      path: 'export.name',
      message: `at most ${MAX_SCHEDULED_NAME_LENGTH} characters in a schedule (each run appends -{time})`,
    });
  if (definition.incremental)
    for (const key of ['modifiedSince', 'modifiedBefore'] as const)
      if (request[key] !== undefined)
        problems.push({
          path: `export.${key}`,
          message: "an incremental schedule sets each run's window itself: leave it out",
        });
  return problems;
}
