import {
  cronPattern,
  intervalMs,
  isKnownTimezone,
  MAX_SCHEDULED_NAME_LENGTH,
  runStamp,
  scheduleProblems,
  temporalSpec,
} from '../../src/schedules/timing';

describe('schedule timing (pure)', () => {
  it.each([
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1d12h', 129_600_000],
    ['45s', 45_000],
  ])('when the interval is %s, then it lasts %d ms', (text, ms) => {
    expect(intervalMs(text)).toBe(ms);
  });

  it.each(['', 'h', '10', '10 minutes', '30m1h', '1.5h', '-1h', '1w', '1h1h'])(
    'when the interval is %j, then it is not one',
    (text) => {
      expect(intervalMs(text)).toBeUndefined();
    },
  );

  it.each(['0 2 * * *', '*/15 * * * *', '0 2 * * MON-FRI', '0 0 1,15 * *', '@daily', '@hourly'])(
    'when the cron is %j, then its shape is accepted',
    (cron) => {
      expect(cronPattern.test(cron)).toBe(true);
    },
  );

  it.each(['0 2 * *', '0 0 2 * * * * *', '@every 1h', 'CRON_TZ=UTC 0 2 * * *', '0 2 * * * # nightly', ''])(
    'when the cron is %j, then its shape is refused',
    (cron) => {
      expect(cronPattern.test(cron)).toBe(false);
    },
  );

  it('when time zones are checked, then IANA names pass and made-up ones do not', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])
      expect(isKnownTimezone(zone)).toBe(true);
    for (const zone of ['Mars/Olympus', 'Europe/Berlin ', '../etc/passwd', '', '+01:00'])
      expect(isKnownTimezone(zone)).toBe(false);
  });

  it('when a run starts, then its stamp is its UTC time to the second', () => {
    expect(runStamp(new Date('2026-11-28T02:00:00.734Z'))).toBe('20261128T020000Z');
    expect(`nightly-partner-${runStamp(new Date('2026-01-05T23:59:59Z'))}`.length).toBeLessThanOrEqual(100);
    expect(MAX_SCHEDULED_NAME_LENGTH + '-20261128T020000Z'.length).toBe(100);
  });

  it('when a timing becomes a Temporal spec, then cron and interval keep the zone', () => {
    expect(temporalSpec({ cron: '0 2 * * *', every: null, timezone: 'Europe/Berlin' })).toEqual({
      cronExpressions: ['0 2 * * *'],
      timezone: 'Europe/Berlin',
    });
    expect(temporalSpec({ cron: null, every: '1h30m', timezone: 'UTC' })).toEqual({
      intervals: [{ every: 5_400_000 }],
      timezone: 'UTC',
    });
  });

  it('when a schedule is checked as a whole, then each problem names its field', () => {
    expect(scheduleProblems({ every: '30s', incremental: false }, {}, 60_000)).toEqual([
      { path: 'every', message: 'must be at least 60s (SCHEDULE_MIN_INTERVAL)' },
    ]);
    expect(
      scheduleProblems(
        { every: null, incremental: true },
        { name: 'n'.repeat(MAX_SCHEDULED_NAME_LENGTH + 1), modifiedSince: '2026-01-01T00:00:00.000Z' },
        60_000,
      ).map((p) => p.path),
    ).toEqual(['export.name', 'export.modifiedSince']);
    expect(
      scheduleProblems(
        { every: '1m', incremental: false },
        { modifiedBefore: '2026-01-01T00:00:00.000Z' },
        60_000,
      ),
    ).toEqual([]);
  });
});
