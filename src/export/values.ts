/**
 * How contact values become cells (SPEC section 3): missing or null → empty cell / JSON null;
 * dates → ISO 8601 UTC; arrays and objects → JSON text in CSV, JSON values in JSON; BSON types
 * (ObjectId, Decimal128, Long, ...) → their canonical string.
 */
type Doc = Record<string, unknown>;

export function splitPath(path: string): string[] {
  return path.split('.');
}

export function getPath(doc: Doc, segments: readonly string[]): unknown {
  let current: unknown = doc;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Doc)[segment];
  }
  return current;
}

interface BsonValue {
  readonly _bsontype: string;
  toString(): string;
  toHexString?: () => string;
}

function isBsonValue(value: object): value is BsonValue {
  return typeof (value as Partial<BsonValue>)._bsontype === 'string';
}

function bsonToString(value: BsonValue): string {
  return value._bsontype === 'ObjectId' && value.toHexString ? value.toHexString() : value.toString();
}

/** A value as JSON: dates as ISO strings, BSON scalars as strings, non-finite numbers as null. */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (isBsonValue(value)) return bsonToString(value);
  if (Array.isArray(value)) return value.map(toJsonValue);
  // fromEntries defines keys rather than assigning them: a stored "__proto__" key stays data.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
}

/** A value as CSV cell text (before RFC 4180 quoting, which csv-stringify applies). */
export function toCsvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : '';
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
      if (isBsonValue(value)) return bsonToString(value);
      return JSON.stringify(toJsonValue(value));
    default:
      return '';
  }
}
