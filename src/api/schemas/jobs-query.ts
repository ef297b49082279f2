import { z } from 'zod';
import { caseInsensitiveEnum } from './common';

const statuses = ['Pending', 'Processing', 'Done', 'Failed', 'Cancelled'] as const;

const instant = z
  .string()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) &&
      !Number.isNaN(Date.parse(v)),
    {
      message: 'expected an ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z',
    },
  )
  .transform((v) => new Date(v));

/** GET /jobs query: Cordial's filters (`jobName`, `status`, `times[start][gt|gte|lt|lte]`) and a cursor. */
export const jobsQuerySchema = z.strictObject({
  jobName: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/, 'letters, digits and dashes')
    .optional(),
  status: caseInsensitiveEnum(
    statuses.map((s) => s.toLowerCase()) as ['pending', 'processing', 'done', 'failed', 'cancelled'],
  )
    .transform((v) => statuses.find((s) => s.toLowerCase() === v) ?? 'Pending')
    .optional(),
  times: z
    .strictObject({
      start: z.strictObject({
        gt: instant.optional(),
        gte: instant.optional(),
        lt: instant.optional(),
        lte: instant.optional(),
      }),
    })
    .optional(),
  limit: z.coerce.number().int('a whole number').min(1, '1-100').max(100, '1-100').default(25),
  cursor: z.string().max(4096).optional(),
});
