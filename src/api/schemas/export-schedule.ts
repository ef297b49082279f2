import { z } from 'zod';
import { booleanish, exactlyOne } from '../../schema/fields';
import {
  cronPattern,
  intervalPattern,
  isKnownTimezone,
  MAX_SCHEDULED_NAME_LENGTH,
  timezonePattern,
} from '../../schedules/timing';
import { scheduleCursorPattern } from '../../schedules/export-schedules';
import { exportRequestSchema } from './export-request';

const nameSchema = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9-]{1,${MAX_SCHEDULED_NAME_LENGTH}}$`),
    `only letters, digits and dashes, 1-${MAX_SCHEDULED_NAME_LENGTH} characters (each run appends -{time})`,
  )
  .describe('Schedule name; each run names its job and file {export.name or name}-{yyyyMMddTHHmmssZ}.');

const cronSchema = z
  .string()
  .regex(
    cronPattern,
    'expected 5 cron fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly',
  )
  .describe('Cron expression, 5 fields, in `timezone`; Temporal checks each field range (400 naming cron).');

const everySchema = z
  .string()
  .regex(intervalPattern, 'expected an interval such as 24h, 90m, 1h30m or 2d')
  .describe('Fixed interval (d, h, m, s), at least SCHEDULE_MIN_INTERVAL (default 1m).');

const timezoneSchema = z
  .string()
  .max(64)
  .regex(timezonePattern, 'expected an IANA time zone such as Europe/Berlin or UTC')
  .refine(isKnownTimezone, 'unknown time zone (expected an IANA name such as Europe/Berlin or UTC)')
  .describe('IANA time zone of the cron expression. Default UTC.');

const incrementalSchema = booleanish.describe(
  'Each run exports only the contacts modified since the last Done run (the watermark). Default false.',
);

const timing = exactlyOne('cron', 'every');

/** POST /exportschedules. */
export const scheduleCreateSchema = z
  .strictObject({
    name: nameSchema,
    cron: cronSchema.optional(),
    every: everySchema.optional(),
    timezone: timezoneSchema.optional(),
    incremental: incrementalSchema.optional(),
    export: exportRequestSchema.describe('What each run exports: any POST /contactexports body.'),
  })
  .superRefine(timing.check)
  .describe('An export schedule: give either cron or every.');
/** The JSON Schema rules zod cannot state for the two bodies (added to the OpenAPI document). */
export const scheduleCreateJsonSchema = {
  ...timing.jsonSchema,
  examples: [
    {
      name: 'nightly-partner',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      incremental: true,
      export: { exportType: 'csv', showHeader: true, compress: true },
    },
  ],
};
export const schedulePatchJsonSchema = { not: { required: ['cron', 'every'] }, minProperties: 1 };

/** PATCH /exportschedules/{id}: any of the fields; `export` replaces the whole export. */
export const schedulePatchSchema = z
  .strictObject({
    name: nameSchema.optional(),
    cron: cronSchema.optional(),
    every: everySchema.optional(),
    timezone: timezoneSchema.optional(),
    incremental: incrementalSchema.optional(),
    export: exportRequestSchema
      .optional()
      .describe('Replaces the export: a whole POST /contactexports body.'),
  })
  .superRefine((value, ctx) => {
    if (value.cron !== undefined && value.every !== undefined)
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'give either cron or every, not both' });
    if (Object.values(value).every((v) => v === undefined))
      ctx.addIssue({ code: 'custom', path: [], message: 'give at least one field to change' });
  })
  .describe('Changes to an export schedule; what is left out stays.');

/** The path parameter: a UUID. */
export const scheduleIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** GET /exportschedules: a page of the key's schedules, oldest first. */
export const schedulesQuerySchema = z.strictObject({
  limit: z.coerce.number().int('a whole number').min(1, '1-100').max(100, '1-100').default(25),
  cursor: z.string().regex(scheduleCursorPattern, 'not a cursor from a previous page').optional(),
});
