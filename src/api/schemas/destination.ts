import { z } from 'zod';
import { destinationTypes, moduleOf, type Destination, type DestinationType } from '../../destinations';

/** Each type's strict schema, from its module (src/destinations/). */
export const destinationSchemas: Readonly<Record<DestinationType, z.ZodType<Destination>>> =
  Object.fromEntries(destinationTypes.map((type) => [type, moduleOf(type).schema])) as Record<
    DestinationType,
    z.ZodType<Destination>
  >;

/**
 * `destination`: dispatched on `type` (any case) to its strict schema, with issues reported at
 * their full path (destination.port). Built by hand rather than as a zod union so a wrong port
 * says "destination.port: ..." instead of "no union member matched".
 */
export const destinationSchema = z
  .looseObject({
    type: z.string({ message: `required: one of ${destinationTypes.join(', ')}` }),
  })
  .transform((raw, ctx): Destination => {
    const type = raw.type.toLowerCase();
    // Own keys only: "__proto__", "constructor" or "toString" must not reach an inherited member.
    const schema = Object.hasOwn(destinationSchemas, type)
      ? (destinationSchemas as Record<string, z.ZodType<Destination>>)[type]
      : undefined;
    if (!schema) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `expected one of ${destinationTypes.join(', ')}`,
      });
      return z.NEVER;
    }
    const parsed = schema.safeParse({ ...raw, type });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue(
          issue.code === 'unrecognized_keys'
            ? { code: 'unrecognized_keys', keys: issue.keys, path: issue.path, message: issue.message }
            : { code: 'custom', path: issue.path, message: issueMessage(issue, raw) },
        );
      }
      return z.NEVER;
    }
    return parsed.data;
  });

/**
 * "required" only when the value is really absent: zod leaves `input` out of its issues, and
 * `z.int()` reports a fraction such as 1.5 as an invalid type too.
 */
function issueMessage(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const value = issue.path.reduce<unknown>(
    (at, key) =>
      at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined,
    raw,
  );
  return issue.code === 'invalid_type' && value === undefined ? 'required' : issue.message;
}
