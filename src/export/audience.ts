import type { Document, Filter } from 'mongodb';
import { z } from 'zod';
import type { ErrorDetail } from '../errors';
import { systemFields, type AttributeType, type ContactAttribute } from '../store/attributes';
import type { ContactList } from '../store/lists';

/**
 * Saved audience rules: a small JSON tree of all/any/not over conditions, compiled to a MongoDB
 * filter. Users never send MongoDB operators; field names are checked against the attribute
 * schema and values against the field's type.
 */
const scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);

const comparisonOps = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;

const fieldName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a field key or dotted path (letters, digits, _ and -)');

export const conditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ field: fieldName, op: z.enum(comparisonOps), value: scalar }),
  z.strictObject({ field: fieldName, op: z.literal('in'), value: z.array(scalar).min(1).max(1000) }),
  z.strictObject({ field: fieldName, op: z.literal('exists'), value: z.boolean() }),
  z.strictObject({
    field: fieldName,
    op: z.literal('withinDays'),
    value: z.number().int().min(0).max(36500),
  }),
  z.strictObject({ op: z.literal('inList'), value: z.string().min(1).max(200) }),
]);
export type Condition = z.infer<typeof conditionSchema>;

export type AudienceRule =
  { all: AudienceRule[] } | { any: AudienceRule[] } | { not: AudienceRule } | Condition;

export const audienceRuleSchema: z.ZodType<AudienceRule> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(audienceRuleSchema).min(1).max(100) }),
    z.strictObject({ any: z.array(audienceRuleSchema).min(1).max(100) }),
    z.strictObject({ not: audienceRuleSchema }),
    conditionSchema,
  ]),
);

export type FieldTypes = Readonly<Record<string, AttributeType>>;

export function fieldTypesOf(attributes: readonly ContactAttribute[]): FieldTypes {
  return Object.fromEntries([...systemFields, ...attributes].map((a) => [a.key, a.type]));
}

/** Own keys only, so a rule on "constructor" or "toString" is an unknown field, not Object's. */
function typeOf(types: FieldTypes, field: string): AttributeType | undefined {
  return Object.hasOwn(types, field) ? types[field] : undefined;
}

const isoDate = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function conditions(rule: AudienceRule, path = 'rule'): { condition: Condition; path: string }[] {
  if ('all' in rule) return rule.all.flatMap((r, i) => conditions(r, `${path}.all.${i}`));
  if ('any' in rule) return rule.any.flatMap((r, i) => conditions(r, `${path}.any.${i}`));
  if ('not' in rule) return conditions(rule.not, `${path}.not`);
  return [{ condition: rule, path }];
}

/** Semantic checks against the store: known fields and lists, values of the field's type. */
export function audienceRuleProblems(
  rule: AudienceRule,
  attributes: readonly ContactAttribute[],
  lists: readonly ContactList[],
): ErrorDetail[] {
  const types = fieldTypesOf(attributes);
  return conditions(rule).flatMap(({ condition, path }): ErrorDetail[] => {
    if (condition.op === 'inList') {
      return lists.some((l) => l.name === condition.value)
        ? []
        : [{ path: `${path}.value`, message: `unknown list "${condition.value}"` }];
    }
    const type = typeOf(types, condition.field);
    const parent = condition.field.split('.')[0] ?? '';
    if (type === undefined && typeOf(types, parent) !== 'object') {
      return [{ path: `${path}.field`, message: `unknown field "${condition.field}"` }];
    }
    if (condition.op === 'withinDays' && type !== 'date') {
      return [
        {
          path: `${path}.op`,
          message: `withinDays needs a date field; "${condition.field}" is ${type ?? 'not a date'}`,
        },
      ];
    }
    if ((type === 'array' || type === 'object') && condition.op !== 'exists') {
      return [{ path: `${path}.op`, message: `"${condition.field}" is an ${type}: only "exists" applies` }];
    }
    if (condition.op === 'exists' || condition.op === 'withinDays' || type === undefined) return [];
    const values = condition.op === 'in' ? condition.value : [condition.value];
    const bad = values.find((v) => !valueFitsType(v, type));
    return bad === undefined
      ? []
      : [
          {
            path: `${path}.value`,
            message: `${JSON.stringify(bad)} is not a valid ${type} for "${condition.field}"`,
          },
        ];
  });
}

function valueFitsType(value: string | number | boolean, type: AttributeType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && isoDate.test(value) && !Number.isNaN(Date.parse(value));
    default:
      return false;
  }
}

export interface CompileContext {
  readonly asOf: Date;
  readonly fieldTypes: FieldTypes;
}

const DAY_MS = 86_400_000;

function typedValue(field: string, value: string | number | boolean, ctx: CompileContext): unknown {
  return typeOf(ctx.fieldTypes, field) === 'date' && typeof value === 'string' ? new Date(value) : value;
}

/** Compiles a (validated) rule to a MongoDB filter. */
export function compileAudience(rule: AudienceRule, ctx: CompileContext): Filter<Document> {
  if ('all' in rule) return { $and: rule.all.map((r) => compileAudience(r, ctx)) };
  if ('any' in rule) return { $or: rule.any.map((r) => compileAudience(r, ctx)) };
  if ('not' in rule) return { $nor: [compileAudience(rule.not, ctx)] };
  switch (rule.op) {
    case 'inList':
      return { lists: rule.value };
    case 'exists':
      return { [rule.field]: { $exists: rule.value } };
    case 'withinDays':
      return { [rule.field]: { $gte: new Date(ctx.asOf.getTime() - rule.value * DAY_MS) } };
    case 'in':
      return { [rule.field]: { $in: rule.value.map((v) => typedValue(rule.field, v, ctx)) } };
    case 'eq':
      return { [rule.field]: { $eq: typedValue(rule.field, rule.value, ctx) } };
    default:
      return { [rule.field]: { [`$${rule.op}`]: typedValue(rule.field, rule.value, ctx) } };
  }
}

type Doc = Record<string, unknown>;

/** Values at a dotted path, MongoDB style: arrays along the way fan out. */
function valuesAt(doc: unknown, segments: readonly string[]): { found: boolean; values: unknown[] } {
  if (segments.length === 0) return { found: true, values: [doc] };
  if (Array.isArray(doc)) {
    const parts = doc.map((d) => valuesAt(d, segments));
    return { found: parts.some((p) => p.found), values: parts.flatMap((p) => p.values) };
  }
  if (doc === null || typeof doc !== 'object' || doc instanceof Date) return { found: false, values: [] };
  const [head, ...rest] = segments as [string, ...string[]];
  if (!(head in (doc as Doc))) return { found: false, values: [] };
  return valuesAt((doc as Doc)[head], rest);
}

/** Candidates a comparison sees: the value itself and, for arrays, each element. */
function candidates(values: readonly unknown[]): unknown[] {
  return values.flatMap((v) => (Array.isArray(v) ? [v, ...(v as unknown[])] : [v]));
}

type Bracket = 'number' | 'string' | 'boolean' | 'date' | 'null' | 'other';

function bracket(v: unknown): Bracket {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (v instanceof Date) return 'date';
  return 'other';
}

/** MongoDB's comparison within one type bracket (strings by UTF-8 bytes, the binary collation). */
function compare(a: unknown, b: unknown): number | undefined {
  const ta = bracket(a);
  if (ta !== bracket(b) || ta === 'other') return undefined;
  switch (ta) {
    case 'number':
      return (a as number) - (b as number);
    case 'string':
      return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string));
    case 'boolean':
      return Number(a) - Number(b);
    case 'date':
      return (a as Date).getTime() - (b as Date).getTime();
    default:
      return 0;
  }
}

/**
 * Evaluates a rule against one contact in memory with MongoDB's semantics for the values rules
 * allow. It exists to check the compiler (property tests) and the store's answers.
 */
export function evaluateAudience(rule: AudienceRule, doc: Doc, ctx: CompileContext): boolean {
  if ('all' in rule) return rule.all.every((r) => evaluateAudience(r, doc, ctx));
  if ('any' in rule) return rule.any.some((r) => evaluateAudience(r, doc, ctx));
  if ('not' in rule) return !evaluateAudience(rule.not, doc, ctx);
  if (rule.op === 'inList') {
    return candidates(valuesAt(doc, ['lists']).values).some((v) => v === rule.value);
  }
  const at = valuesAt(doc, rule.field.split('.'));
  const seen = candidates(at.values);
  const equals = (target: unknown): boolean =>
    target === null ? !at.found || seen.some((v) => v === null) : seen.some((v) => compare(v, target) === 0);
  switch (rule.op) {
    case 'exists':
      return at.found === rule.value;
    case 'eq':
      return equals(typedValue(rule.field, rule.value, ctx));
    case 'ne':
      return !equals(typedValue(rule.field, rule.value, ctx));
    case 'in':
      return rule.value.some((v) => equals(typedValue(rule.field, v, ctx)));
    case 'withinDays': {
      const since = new Date(ctx.asOf.getTime() - rule.value * DAY_MS);
      return seen.some((v) => (compare(v, since) ?? -1) >= 0);
    }
    default: {
      const target = typedValue(rule.field, rule.value, ctx);
      const test = {
        gt: (c: number) => c > 0,
        gte: (c: number) => c >= 0,
        lt: (c: number) => c < 0,
        lte: (c: number) => c <= 0,
      }[rule.op];
      return seen.some((v) => {
        const c = compare(v, target);
        return c !== undefined && test(c);
      });
    }
  }
}
