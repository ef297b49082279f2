import { z } from 'zod';

/** An error message that says "required" when the value is missing, and `text` otherwise. */
export function unlessMissing(text: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : text);
}

/**
 * How a schema is documented in /openapi.json when zod cannot say it (refinements, transforms):
 * written next to the schema it describes, and used by src/api/openapi.ts instead of the generated
 * JSON Schema. It must accept exactly what the schema accepts: Schemathesis checks both ways.
 */
export const documentedAs = new Map<z.ZodType, Record<string, unknown>>();

export function documented<T extends z.ZodType>(schema: T, jsonSchema: Record<string, unknown>): T {
  documentedAs.set(schema, jsonSchema);
  return schema;
}

/**
 * A non-empty string of at most `max` characters, counted as JSON Schema counts them (code points:
 * an emoji is one character, where JavaScript's `length` counts two).
 */
export function text(max: number, emptyMessage = 'must not be empty') {
  return documented(
    z
      .string()
      .min(1, emptyMessage)
      .refine((v) => [...v].length <= max, { message: `at most ${max} characters` }),
    { type: 'string', minLength: 1, maxLength: max },
  );
}

/** A regular expression matching exactly these words in any case (JSON Schema has no /i flag). */
export function anyCase(words: readonly string[]): RegExp {
  const letters = (word: string): string =>
    [...word]
      .map((c) =>
        c.toLowerCase() === c.toUpperCase()
          ? c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          : `[${c.toUpperCase()}${c.toLowerCase()}]`,
      )
      .join('');
  return new RegExp(`^(?:${words.map(letters).join('|')})$`);
}

/** A string enum accepting any case ("CSV", "Sftp"), normalised to lower case. */
export function caseInsensitiveEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string({ error: unlessMissing(`expected one of ${values.join(', ')}`) })
    .regex(anyCase(values), `expected one of ${values.join(', ')}`)
    .transform((v) => v.toLowerCase() as T[number]);
}

/** true/false as JSON booleans or the strings "true"/"false" (any case), as the seed's examples use both. */
export const booleanish = z
  .union([z.boolean(), z.string().regex(anyCase(['true', 'false']), 'expected true or false')], {
    error: unlessMissing('expected true or false'),
  })
  .transform((v) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true'));

/** 1-65535 as decimal text, no sign or leading zero. */
const portText = /^(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;

/** A TCP port as a number or numeric string ("21"). */
export const portSchema = documented(
  z
    .union([z.number(), z.string().regex(portText, 'expected a port number 1-65535')], {
      error: unlessMissing('expected a port number 1-65535'),
    })
    .transform(Number)
    .pipe(
      z
        .number()
        .int('expected a whole number')
        .min(1, 'expected a port number 1-65535')
        .max(65535, 'expected a port number 1-65535'),
    ),
  {
    description: 'A TCP port, 1-65535, as a number or decimal text ("21")',
    oneOf: [
      { type: 'integer', minimum: 1, maximum: 65535 },
      { type: 'string', pattern: portText.source },
    ],
  },
);

/** One DNS name: labels of 1-63 letters, digits and inner dashes, an optional final dot. */
const hostnamePattern =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A host name or an IP address; no scheme, port, path or user info. */
export const serverSchema = documented(
  z
    .string()
    .min(1, 'required')
    .max(253)
    .refine(
      (v) => hostnamePattern.test(v) || z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success,
      { message: 'expected a host name or IP address (no scheme, port or path)' },
    ),
  {
    description: 'A host name or an IP address (no scheme, port or path)',
    type: 'string',
    minLength: 1,
    maxLength: 253,
    anyOf: [{ pattern: hostnamePattern.source }, { format: 'ipv4' }, { format: 'ipv6' }],
  },
);

// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/;

/** A folder (or folder/file) path at a destination: no `..` segments, NUL or control characters. */
export const destinationPathSchema = documented(
  z
    .string()
    .refine((v) => [...v].length <= 1024, { message: 'at most 1024 characters' })
    .refine((v) => !controlChars.test(v), { message: 'must not contain control characters' })
    .refine((v) => !v.split(/[/\\]/).includes('..'), { message: 'must not contain ".." segments' })
    .refine((v) => !v.includes('\\'), { message: 'use "/" as the path separator' }),
  {
    type: 'string',
    maxLength: 1024,
    description: 'Folders separated by "/", without ".." segments, backslashes or control characters',
    pattern: '^[^\\u0000-\\u001f\\u007f\\\\]*$',
    not: { pattern: '(?:^|/)\\.\\.(?:/|$)' },
  },
);

export const credentialSchema = text(4096, 'required');

/**
 * "Give either `a` or `b` (exactly one)": the zod check (reported at the key to add or remove)
 * and the same rule as JSON Schema, for OpenAPI.
 */
export function exactlyOne<A extends string, B extends string>(a: A, b: B) {
  return {
    check: (value: Partial<Record<A | B, unknown>>, ctx: z.RefinementCtx): void => {
      if ((value[a] === undefined) === (value[b] === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [value[a] === undefined ? a : b],
          message: `give either ${a} or ${b} (exactly one)`,
        });
      }
    },
    jsonSchema: { oneOf: [{ required: [a] }, { required: [b] }] },
  };
}

/** ISO 8601 date or date-time with each field in range (a date alone is midnight UTC). */
export const isoInstantPattern =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?$/;

/** An ISO 8601 instant as a Date. */
export const instantSchema = z
  .string()
  .regex(isoInstantPattern, 'expected an ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z')
  .transform((v) => new Date(v));
