import { z } from 'zod';
import { caseInsensitiveEnum, instantSchema as instant, isoInstantPattern } from '../../schema/fields';

export { isoInstantPattern };

const statuses = ['Pending', 'Processing', 'Done', 'Failed', 'Cancelled'] as const;

/** Job IDs are UUIDs (or Idempotency-Key digests shaped like one); anything else cannot exist. */
export const jobIdPattern = /^[A-Za-z0-9-]{1,100}$/;
export const jobNamePattern = /^[A-Za-z0-9-]{1,100}$/;
/** A signed page cursor (src/jobs/cursor.ts); its signature cannot be checked by a pattern. */
export const cursorPattern = /^[A-Za-z0-9_-]{1,2000}\.[A-Za-z0-9._-]{1,64}~[0-9a-f]{64}$/;

/** GET /jobs query: Cordial's filters (`jobName`, `status`, `times[start][gt|gte|lt|lte]`) and a cursor. */
export const jobsQuerySchema = z.strictObject({
  jobName: z.string().regex(jobNamePattern, 'letters, digits and dashes').optional(),
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
  scheduleID: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'an export schedule ID (a UUID)')
    .optional()
    .describe('Only the jobs started by this export schedule'),
  limit: z.coerce.number().int('a whole number').min(1, '1-100').max(100, '1-100').default(25),
  cursor: z.string().regex(cursorPattern, 'not a cursor from a previous page').optional(),
});
