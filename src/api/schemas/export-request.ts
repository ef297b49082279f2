import { z } from 'zod';
import { exportFormatNames } from '../../export/formats';
import type { ExportRequest } from '../../jobs/types';
import { MAX_ARMORED_KEY_LENGTH } from '../../crypto/pgp';
import {
  booleanish,
  caseInsensitiveEnum,
  documented,
  exactlyOne,
  instantSchema,
  text,
  unlessMissing,
} from '../../schema/fields';
import { destinationSchema } from './destination';

const fieldKey = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(
    /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
    'expected a field key or dotted path such as channels.email.address',
  );

const listRef = z.union(
  [z.number().int('list IDs are whole numbers').nonnegative('list IDs are not negative'), text(200)],
  { error: unlessMissing('expected a list name or numeric list ID') },
);

function noDuplicates<T>(label: string) {
  return (values: readonly T[], ctx: z.core.$RefinementCtx<readonly T[]>) => {
    const seen = new Map<string, number>();
    values.forEach((v, i) => {
      const key = String(v);
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `duplicate ${label} "${key}" (also at index ${first})`,
        });
      else seen.set(key, i);
    });
  };
}

/** A saved PGP key's name (PUT /pgpkeys/{name}). */
export const pgpKeyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - only, 1-100 characters');

/** The rule zod states with a refinement, for the OpenAPI document. */
export const pgpKeyChoice = exactlyOne('publicKey', 'savedKey');

const encryptionSchema = z
  .strictObject({
    type: caseInsensitiveEnum(['pgp']).describe('pgp (any case)'),
    publicKey: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_ARMORED_KEY_LENGTH)
      .optional()
      .describe('An armored OpenPGP public key (gpg --armor --export)'),
    savedKey: pgpKeyNameSchema.optional().describe('The name of a key saved with PUT /pgpkeys/{name}'),
  })
  .superRefine(pgpKeyChoice.check);

/**
 * POST /contactexports (SPEC section 2). Keys are case-sensitive and unknown keys are refused by
 * name (a `showheader` typo must not silently export without a header); enumerated values accept
 * any case.
 */
const exportRequestObject = z.strictObject({
  exportType: caseInsensitiveEnum(exportFormatNames).describe(
    `File type: ${exportFormatNames.join(', ')} (any case). Required.`,
  ),
  name: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/, 'only letters, digits and dashes, 1-100 characters')
    .optional()
    .describe('Export name and file base name. Default contacts-export-{jobID}.'),
  fields: z
    .array(fieldKey)
    .max(500)
    .superRefine(noDuplicates('field'))
    .meta({ uniqueItems: true })
    .optional()
    .describe('System fields or attribute keys, dotted paths allowed, in column order.'),
  lists: z
    .array(listRef)
    .max(500)
    .superRefine(noDuplicates('list'))
    .meta({ uniqueItems: true })
    .optional()
    .describe('List names or numeric list IDs; columns hold "1" (member) or "0".'),
  'audience-key': text(200).optional().describe('Key of a saved audience (PUT /audiences/{key}).'),
  showHeader: booleanish.optional().describe('CSV header row; true/false or "true"/"false". Default false.'),
  compress: booleanish.optional().describe('gzip the file and append .gz. Default false.'),
  neutralizeFormulas: booleanish
    .optional()
    .describe(
      "CSV: a ' before text cells starting with =, +, -, @, tab or CR, so spreadsheets show them as text (OWASP CSV injection). Default false: cells exactly as stored.",
    ),
  confirmEmail: z
    .email('expected an email address')
    .max(254)
    // RFC 5321's limits, which SMTP servers enforce and JSON Schema's "email" format checks too.
    .refine(
      (address) =>
        (address.split('@')[0] ?? '').length <= 64 &&
        (address.split('@')[1] ?? '').split('.').every((label) => label.length <= 63),
      'expected an email address (at most 64 characters before the @, 63 per domain label)',
    )
    .optional()
    .describe('Where to send the job-ended email.'),
  callbackUrl: documented(
    z
      .url({ protocol: /^https?$/, error: 'expected an http or https URL', abort: true })
      .regex(/^https?:\/\//, 'expected an http or https URL')
      .max(2048),
    { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
  )
    .optional()
    .describe(
      'Receives a POST signed per Standard Webhooks (WEBHOOK_SECRET) when the job ends: {"type": "contactexport.done" | ".failed" | ".cancelled", "data": <job>}.',
    ),
  destination: destinationSchema.optional().describe('Where the file goes; absent means {"type": "aws"}.'),
  maxRowsPerFile: z
    .number({ error: 'expected a whole number of rows, at least 1' })
    .int('expected a whole number of rows, at least 1')
    .min(1, 'expected a whole number of rows, at least 1')
    .max(1_000_000_000, 'at most 1000000000')
    .optional()
    .describe(
      'Split into files of at most this many rows: {name}-part-00001.csv, … each a complete file (header, JSON array), then {name}.manifest.json, delivered last.',
    ),
  maxFileSizeMB: z
    .number({ error: 'expected a whole number of MB (1 MB = 1048576 bytes), at least 1' })
    .int('expected a whole number of MB (1 MB = 1048576 bytes), at least 1')
    .min(1, 'expected a whole number of MB (1 MB = 1048576 bytes), at least 1')
    .max(1_048_576, 'at most 1048576 (1 TB)')
    .optional()
    .describe(
      'Split into files of at most this many MB (1048576 bytes) as written, after gzip and before PGP; with maxRowsPerFile, whichever comes first.',
    ),
  encryption: encryptionSchema
    .optional()
    .describe('Encrypt each delivered file to an OpenPGP key (after gzip); .pgp is appended.'),
  modifiedSince: instantSchema
    .optional()
    .describe('Only contacts whose lastModified is at or after this ISO 8601 time.'),
  modifiedBefore: instantSchema
    .optional()
    .describe(
      'Only contacts whose lastModified is before this ISO 8601 time (an empty window exports none).',
    ),
});

/** The top-level keys of a request body (for "did you mean" hints). */
export const exportRequestKeys: readonly string[] = Object.keys(exportRequestObject.shape);

export const exportRequestSchema = exportRequestObject.transform((body): ExportRequest => ({
  exportType: body.exportType,
  name: body.name,
  fields: body.fields ?? [],
  lists: body.lists ?? [],
  audienceKey: body['audience-key'],
  showHeader: body.showHeader ?? false,
  compress: body.compress ?? false,
  ...(body.neutralizeFormulas ? { neutralizeFormulas: true } : {}),
  confirmEmail: body.confirmEmail,
  ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
  destination: body.destination ?? { type: 'aws' },
  ...(body.encryption ? { encryption: body.encryption } : {}),
  ...(body.maxRowsPerFile !== undefined ? { maxRowsPerFile: body.maxRowsPerFile } : {}),
  ...(body.maxFileSizeMB !== undefined ? { maxFileSizeMB: body.maxFileSizeMB } : {}),
  modifiedSince: instantText(body.modifiedSince),
  modifiedBefore: instantText(body.modifiedBefore),
}));

/** The instant as ISO 8601 UTC text (it travels in the job's input). V8 rolls a day past a month's
 * end over (2026-02-31 is March 3rd), as GET /jobs's time filters do, so every match is an instant. */
function instantText(value: Date | undefined): string | undefined {
  return value?.toISOString();
}
