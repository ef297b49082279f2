import { z } from 'zod';
import type { ScheduleView } from '../../schedules/export-schedules';
import { exportFormatNames } from '../../export/formats';
import type { JobView } from '../../jobs/types';
import type { ErrorBody } from '../http-errors';

/**
 * Response shapes, for the OpenAPI document. The `Same` checks at the bottom fail compilation if a
 * schema drifts from the TypeScript type the code actually returns.
 */
export const errorBodySchema = z.object({
  error: z.object({
    code: z
      .string()
      .describe('Stable machine-readable code, e.g. invalid_request, unknown_reference, unauthorized'),
    message: z.string().describe('What is wrong, naming the fields'),
    details: z.array(z.object({ path: z.string().describe('e.g. destination.port'), message: z.string() })),
  }),
});

export const jobCreatedSchema = z.object({
  jobID: z.string(),
  name: z.string(),
  status: z.string().describe('Pending for a new job'),
  links: z.object({ self: z.string() }),
});

const jobStatusSchema = z.enum(['Pending', 'Processing', 'Done', 'Failed', 'Cancelled']);

export const jobViewSchema = z.object({
  jobID: z.string(),
  jobName: z.string(),
  type: z.literal('contactexport'),
  status: jobStatusSchema,
  phase: z
    .enum(['planning', 'queued', 'exporting', 'uploading', 'notifying'])
    .describe('queued: waiting for a place on its worker host (see queuePosition)'),
  queuePosition: z
    .number()
    .int()
    .nullable()
    .optional()
    .describe("While queued: the 1-based place in its host's line; null when not known yet"),
  totalItems: z.number().nullable().describe('Contacts to export; null until counted'),
  completedItems: z.number(),
  percent: z.number().nullable(),
  bytes: z.number().describe('Bytes written (exporting) or sent (uploading)'),
  times: z.object({ start: z.string(), end: z.string().nullable() }),
  file: z
    .object({
      name: z.string(),
      bytes: z.number(),
      rows: z.number(),
      location: z
        .string()
        .nullable()
        .describe('Download link (aws) or destination URL, never with credentials'),
    })
    .nullable()
    .describe('The delivered file; null until delivered, and for a split job (see files)'),
  files: z
    .array(
      z.object({
        name: z.string().describe('{name}-part-00001.csv[.gz][.pgp], …'),
        bytes: z.number().describe('Bytes delivered (after gzip and PGP)'),
        rows: z.number(),
        sha256: z.string().describe('Hex SHA-256 of the delivered bytes'),
        location: z
          .string()
          .nullable()
          .describe('GET /jobs/{jobID}/files/{name} (aws) or destination URL, never with credentials'),
      }),
    )
    .nullable()
    .describe(
      'A split job (maxRowsPerFile / maxFileSizeMB): its files in order once delivered; null otherwise, and in GET /jobs lists',
    ),
  manifest: z
    .object({ name: z.string().describe('{name}.manifest.json'), location: z.string().nullable() })
    .nullable()
    .describe(
      "A split job's manifest (every file's name, rows, bytes, sha256), delivered after the last file",
    ),
  expiresAt: z.string().nullable().describe('aws only: when the file is purged'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  notification: z
    .object({
      email: z.string(),
      status: z.enum(['sent', 'failed', 'skipped']),
      detail: z.string().nullable(),
    })
    .nullable()
    .describe('The confirmation email: sent, failed (after retries) or skipped (no SMTP server configured)'),
  callback: z
    .object({
      url: z.string(),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.number().nullable(),
      detail: z.string().nullable(),
    })
    .nullable()
    .describe(
      'The signed job-ended POST to callbackUrl: pending while retried, delivered, or failed after WEBHOOK_RETRY_WINDOW',
    ),
  destination: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .describe('The destination with secrets removed'),
  exportType: z.enum(exportFormatNames),
  compress: z.boolean(),
  window: z
    .object({ modifiedSince: z.string().nullable(), modifiedBefore: z.string().nullable() })
    .nullable()
    .describe(
      'The lastModified window the job exports ([modifiedSince, modifiedBefore)), or null for all contacts',
    ),
  scheduleID: z
    .string()
    .nullable()
    .describe('The export schedule whose run started the job (GET /exportschedules/{id}), or null'),
});

export const listsResponseSchema = z.object({
  lists: z.array(z.object({ id: z.number(), name: z.string() })),
});

export const attributesResponseSchema = z.object({
  attributes: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      type: z.enum(['string', 'number', 'boolean', 'date', 'array', 'object']),
      system: z.boolean(),
    }),
  ),
});

export const audienceSchema = z.object({
  key: z.string(),
  rule: z.unknown(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const sftpKeySchema = z.object({
  name: z.string(),
  publicKey: z.string().describe('OpenSSH public key for the partner authorized_keys file'),
  algorithm: z.string(),
  hostKeyFingerprint: z
    .string()
    .nullable()
    .describe("The partner server's pinned host key (SHA256:…), or null"),
  createdAt: z.string(),
});

export const pgpKeySchema = z.object({
  name: z.string(),
  fingerprint: z.string().describe('Upper-case hex, as gpg --fingerprint shows it without spaces'),
  userIDs: z.array(z.string()),
  algorithm: z.string(),
  expiresAt: z.string().nullable(),
  publicKey: z.string().optional().describe('The armored key (GET /pgpkeys/{name} only)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const scheduleViewSchema = z.object({
  scheduleID: z.string(),
  name: z.string(),
  cron: z.string().nullable(),
  every: z.string().nullable(),
  timezone: z.string(),
  incremental: z.boolean(),
  paused: z.boolean(),
  nextRuns: z.array(z.string()).describe('The next times it fires (at most 5)'),
  recentJobs: z
    .array(
      z.object({
        jobID: z.string(),
        jobName: z.string(),
        status: z.enum(['Pending', 'Processing', 'Done', 'Failed', 'Cancelled']),
        startedAt: z.string(),
      }),
    )
    .describe('Its latest jobs, newest first (at most 10)'),
  watermark: z
    .string()
    .nullable()
    .describe('Incremental: contacts modified before this time were delivered by a Done run'),
  export: z.record(z.string(), z.unknown()).describe('The export each run starts, secrets removed'),
  links: z.object({ self: z.string(), jobs: z.string() }),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
type Mutable<T> = T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
const schemasMatchTypes: [
  Same<z.infer<typeof jobViewSchema>, Mutable<JobView>>,
  Same<z.infer<typeof errorBodySchema>, Mutable<ErrorBody>>,
  Same<z.infer<typeof scheduleViewSchema>, Mutable<ScheduleView>>,
] = [true, true, true];
void schemasMatchTypes;
