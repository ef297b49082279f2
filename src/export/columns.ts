import { UnknownReferenceError, type ErrorDetail } from '../errors';
import { systemFields, type ContactAttribute } from '../store/attributes';
import type { ContactList } from '../store/lists';

/** One column of the export file, in file order. */
export type Column =
  | { readonly kind: 'field'; readonly header: string; readonly path: string }
  | { readonly kind: 'list'; readonly header: string; readonly listName: string };

/** A list as the request names it: by name, or by numeric ID (number or numeric string). */
export type ListRef = string | number;

export interface ColumnRequest {
  readonly fields: readonly string[];
  readonly lists: readonly ListRef[];
}

export interface ContactSchema {
  readonly attributes: readonly ContactAttribute[];
  readonly lists: readonly ContactList[];
}

export const EMAIL_FIELD = 'channels.email.address';

/**
 * Applies the column rules of SPEC section 2:
 * 1. no fields and no lists: every field (system fields, then attributes) and every list (by name);
 * 2. lists without fields: the email address, then the given lists;
 * 3. otherwise: the given fields in order, then the given lists in order.
 * Unknown fields or lists throw UnknownReferenceError naming each of them.
 */
export function resolveColumns(request: ColumnRequest, schema: ContactSchema): Column[] {
  const problems = [
    ...unknownFieldProblems(request.fields, schema),
    ...unknownListProblems(request.lists, schema),
  ];
  if (problems.length > 0) {
    throw new UnknownReferenceError(problems.map((p) => p.message).join('; '), problems);
  }
  if (request.fields.length === 0 && request.lists.length === 0) {
    return [
      ...allFieldKeys(schema).map((key): Column => ({ kind: 'field', header: key, path: key })),
      ...schema.lists.map((l): Column => ({ kind: 'list', header: l.name, listName: l.name })),
    ];
  }
  const fields = request.fields.length === 0 ? [EMAIL_FIELD] : request.fields;
  return [
    ...fields.map((key): Column => ({ kind: 'field', header: key, path: key })),
    ...request.lists.map((ref): Column => {
      const list = findList(ref, schema.lists);
      // findList cannot miss here: unknown lists were rejected above.
      return { kind: 'list', header: String(ref), listName: list?.name ?? String(ref) };
    }),
  ];
}

export function allFieldKeys(schema: ContactSchema): string[] {
  return [...systemFields, ...schema.attributes].map((a) => a.key);
}

/** A field is known when it is a system field or attribute, or a dotted path inside an object attribute. */
export function isKnownField(key: string, schema: ContactSchema): boolean {
  const all = [...systemFields, ...schema.attributes];
  return all.some(
    (a) => a.key === key || ((a.type === 'object' || a.type === 'array') && key.startsWith(`${a.key}.`)),
  );
}

export function findList(ref: ListRef, lists: readonly ContactList[]): ContactList | undefined {
  if (typeof ref === 'number' || /^\d+$/.test(ref)) {
    const id = Number(ref);
    return (
      lists.find((l) => l.id === id) ??
      (typeof ref === 'string' ? lists.find((l) => l.name === ref) : undefined)
    );
  }
  return lists.find((l) => l.name === ref);
}

export function unknownFieldProblems(fields: readonly string[], schema: ContactSchema): ErrorDetail[] {
  return fields.flatMap((key, i) =>
    isKnownField(key, schema)
      ? []
      : [
          {
            path: `fields.${i}`,
            message: `unknown field "${key}": not a system field or contact attribute key`,
          },
        ],
  );
}

export function unknownListProblems(lists: readonly ListRef[], schema: ContactSchema): ErrorDetail[] {
  return lists.flatMap((ref, i) => {
    if (findList(ref, schema.lists)) return [];
    const asField = typeof ref === 'string' && isKnownField(ref, schema);
    const hint = asField ? ` ("${ref}" is a contact field: put it in "fields", not "lists")` : '';
    return [{ path: `lists.${i}`, message: `unknown list ${JSON.stringify(ref)}${hint}` }];
  });
}

/** The top-level document keys an export must read (the cursor projection). */
export function projectionFor(columns: readonly Column[]): Record<string, 1> {
  const projection: Record<string, 1> = {};
  for (const column of columns) {
    projection[column.kind === 'list' ? 'lists' : (column.path.split('.')[0] ?? column.path)] = 1;
  }
  return projection;
}
