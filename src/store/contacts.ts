import { BSON, ObjectId, type Db, type Document, type Filter } from 'mongodb';
import { UnsupportedContactError } from '../errors';
import { collections } from './mongo';

/** `_id` values as they travel through Temporal (heartbeat details are JSON). */
export type SerializedId =
  | { readonly type: 'objectId'; readonly value: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number };

export function serializeId(id: unknown): SerializedId | null {
  if (id === null || id === undefined) return null;
  if (id instanceof ObjectId) return { type: 'objectId', value: id.toHexString() };
  if (typeof id === 'string') return { type: 'string', value: id };
  if (typeof id === 'number') return { type: 'number', value: id };
  throw new UnsupportedContactError(
    `contact _id ${JSON.stringify(id)} is of an unsupported type (${typeof id}); contact _ids must be ObjectIds, strings or numbers`,
  );
}

export function deserializeId(id: SerializedId | null | undefined): unknown {
  if (!id) return null;
  return id.type === 'objectId' ? new ObjectId(id.value) : id.value;
}

/**
 * BSON type brackets in MongoDB's sort order, as `$type` aliases that both MongoDB and FerretDB
 * know (minKey, maxKey and the deprecated symbol are left out: neither is a sane contact `_id`).
 */
const TYPE_BRACKETS = [
  'null',
  'number',
  'string',
  'object',
  'array',
  'binData',
  'objectId',
  'bool',
  'date',
  'timestamp',
  'regex',
] as const;

function bracketOf(id: unknown): number {
  const bracket = (name: (typeof TYPE_BRACKETS)[number]): number => TYPE_BRACKETS.indexOf(name);
  if (id === null) return bracket('null');
  if (typeof id === 'number' || typeof id === 'bigint') return bracket('number');
  if (typeof id === 'string') return bracket('string');
  if (typeof id === 'boolean') return bracket('bool');
  if (id instanceof ObjectId) return bracket('objectId');
  if (id instanceof Date) return bracket('date');
  if (id instanceof RegExp) return bracket('regex');
  if (Array.isArray(id)) return bracket('array');
  const bsonType =
    typeof id === 'object' && id !== null ? (id as { _bsontype?: unknown })._bsontype : undefined;
  if (bsonType === 'Binary') return bracket('binData');
  if (bsonType === 'Timestamp') return bracket('timestamp');
  if (bsonType === 'Long' || bsonType === 'Double' || bsonType === 'Int32' || bsonType === 'Decimal128')
    return bracket('number');
  if (typeof id === 'object') return bracket('object');
  throw new UnsupportedContactError(`cannot range over a contact _id of type ${typeof id}`);
}

/**
 * `_id` beyond a bound, whatever its type. A range operator only matches ids of the bound's own
 * type (MongoDB's type bracketing, which FerretDB follows), so `_id > ObjectId(…)` alone would
 * silently skip every contact whose `_id` is a date, a document or a boolean: each bound also
 * takes the types that sort beyond it. Those then fail loudly (UnsupportedContactError) instead
 * of going missing.
 */
export function idBeyond(op: '$gt' | '$gte' | '$lt', id: unknown): Filter<Document> {
  const bracket = bracketOf(id);
  const others = op === '$lt' ? TYPE_BRACKETS.slice(0, bracket) : TYPE_BRACKETS.slice(bracket + 1);
  const range: Document = { _id: { [op]: id } };
  // The driver's Filter type has no `$type: [..]` (an array of aliases), which both servers take.
  const byType: Document = { _id: { $type: others } };
  return others.length === 0 ? range : { $or: [range, byType] };
}

export interface ContactPagesOptions {
  readonly filter: Filter<Document>;
  readonly projection: Record<string, 1>;
  /** Resume after this `_id` (exclusive); null starts at `fromId` or the beginning. */
  readonly afterId: unknown;
  /** Inclusive lower bound on `_id` when not resuming (a partition's first contact). */
  readonly fromId?: unknown;
  readonly batchSize: number;
  /** Exclusive upper bound on `_id`, for partitioned exports. */
  readonly beforeId?: unknown;
  /** Aborts at once, even a read still waiting on the server (FerretDB sorts before the first page). */
  readonly signal?: AbortSignal;
  /** Told when a cursor ended before the last matching contact and a new one continues. */
  readonly onEarlyEnd?: (lastId: unknown) => void;
  /**
   * Whether `rowsRead` contacts (all cursors of this call) are known to be all of them, so a
   * cursor's end needs no check: the export counted the matching contacts when it began.
   */
  readonly complete?: (rowsRead: number) => boolean;
}

function pageQuery(options: ContactPagesOptions, afterId: unknown): Filter<Document> {
  const clauses: Filter<Document>[] = [];
  if (afterId !== null && afterId !== undefined) clauses.push(idBeyond('$gt', afterId));
  else if (options.fromId !== null && options.fromId !== undefined)
    clauses.push(idBeyond('$gte', options.fromId));
  if (options.beforeId !== null && options.beforeId !== undefined)
    clauses.push(idBeyond('$lt', options.beforeId));
  if (Object.keys(options.filter).length > 0) clauses.push(options.filter);
  return clauses.length === 0 ? {} : clauses.length === 1 ? (clauses[0] ?? {}) : { $and: clauses };
}

/** The contact store says a cursor is done while contacts remain after its last `_id`. */
export class CursorEndedEarlyError extends Error {
  constructor(lastId: unknown) {
    super(
      `the contact cursor ended early, after _id ${JSON.stringify(lastId)}, and a new one found nothing more`,
    );
    this.name = this.constructor.name;
  }
}

/**
 * One cursor over the matching contacts in `_id` order, yielding each server batch as a page.
 * A single long cursor walks the `_id` index on MongoDB; on FerretDB v1 (which pushes down neither
 * `_id` ranges nor sorts) it costs one scan, where a query per page would cost one scan per page.
 *
 * A cursor's end is checked, not trusted: FerretDB answers a getMore on a cursor killed under it
 * (killCursors, an idle timeout) with an empty last batch instead of CursorNotFound, and that
 * once made an export of 80,000 contacts end Done with 25,615. So when a cursor ends, one unsorted
 * `limit(1)` query asks whether any matching contact lies beyond the last `_id`; if one does, a
 * new cursor continues after it (`onEarlyEnd` hears of it). On MongoDB that query is an index seek;
 * on FerretDB it reads the whole table again (11.4 s at 100,000 contacts, a third of the export),
 * so it is skipped when the cursors returned at least as many contacts as were counted at the
 * start (`complete`): a cursor killed early returns fewer.
 */
export async function* contactPages(db: Db, options: ContactPagesOptions): AsyncGenerator<Document[]> {
  for await (const page of pages<Document>(db, options, false, (doc) => doc._id)) yield page.docs;
}

/** A page of contacts as the server sent them (`raw: true`), with the `_id` of its last one. */
export interface RawContactPage {
  readonly raw: Uint8Array[];
  readonly lastId: unknown;
}

/**
 * contactPages, each contact as its raw BSON (src/export/bson-rows.ts reads them without decoding);
 * only each page's last contact is decoded, for its `_id`.
 */
export async function* rawContactPages(db: Db, options: ContactPagesOptions): AsyncGenerator<RawContactPage> {
  for await (const page of pages<Uint8Array>(db, options, true, (doc) => BSON.deserialize(doc)._id))
    yield { raw: page.docs, lastId: page.lastId };
}

async function* pages<T>(
  db: Db,
  options: ContactPagesOptions,
  raw: boolean,
  idOf: (doc: T) => unknown,
): AsyncGenerator<{ docs: T[]; lastId: unknown }> {
  const contacts = db.collection(collections.contacts);
  let afterId = options.afterId;
  let rowsRead = 0;
  for (let reopened = 0; ; reopened++) {
    let last: unknown = afterId;
    let rows = 0;
    const cursor = contacts.find(pageQuery(options, afterId), {
      projection: { ...options.projection, _id: 1 },
      sort: { _id: 1 },
      batchSize: options.batchSize,
      signal: options.signal,
      raw,
    });
    try {
      while (await cursor.hasNext()) {
        options.signal?.throwIfAborted();
        // With `raw` the driver hands over each document's bytes (typed as documents).
        const page = cursor.readBufferedDocuments() as unknown as T[];
        const lastDoc = page[page.length - 1];
        if (lastDoc !== undefined) {
          last = idOf(lastDoc);
          rows += page.length;
          rowsRead += page.length;
        }
        yield { docs: page, lastId: last };
      }
      options.signal?.throwIfAborted();
    } finally {
      await cursor.close();
    }
    if (options.complete?.(rowsRead)) return;
    const beyond = await contacts.findOne(pageQuery(options, last), {
      projection: { _id: 1 },
      signal: options.signal,
    });
    if (!beyond) return;
    // A second cursor that finds nothing while the check still does would loop for ever.
    if (reopened > 0 && rows === 0) throw new CursorEndedEarlyError(last);
    options.onEarlyEnd?.(last);
    afterId = last;
  }
}

/**
 * How many contacts an export will write, for progress percentages. Without a filter this asks
 * the collection statistics (O(1) on MongoDB and FerretDB; a count command scans on FerretDB).
 */
export async function countContacts(db: Db, filter: Filter<Document>): Promise<number> {
  const contacts = db.collection(collections.contacts);
  if (Object.keys(filter).length > 0) return contacts.countDocuments(filter);
  try {
    const stats = await db.command({ collStats: collections.contacts });
    if (typeof stats.count === 'number') return stats.count;
  } catch {
    // collStats is deprecated on newer MongoDB versions; fall through to the estimate.
  }
  return contacts.estimatedDocumentCount();
}

/**
 * `_id` values splitting the matching contacts into `parts` ranges of about equal size (part i
 * holds ids >= boundary[i-1] and < boundary[i]), read with one ids-only cursor. Empty when there
 * are fewer contacts than `minContacts` or than parts.
 */
export async function partitionBoundaries(
  db: Db,
  filter: Filter<Document>,
  parts: number,
  minContacts: number,
  signal?: AbortSignal,
): Promise<{ total: number; boundaries: unknown[] }> {
  const total = await countContacts(db, filter);
  if (parts < 2 || total < Math.max(minContacts, parts)) return { total, boundaries: [] };
  const positions = Array.from({ length: parts - 1 }, (_, i) => Math.floor((total * (i + 1)) / parts));
  const boundaries: unknown[] = [];
  let index = 0;
  const cursor = db
    .collection(collections.contacts)
    .find(filter, { projection: { _id: 1 }, sort: { _id: 1 }, batchSize: 10_000, signal });
  try {
    for await (const doc of cursor) {
      signal?.throwIfAborted();
      if (index === positions[boundaries.length]) {
        boundaries.push(doc._id);
        if (boundaries.length === positions.length) break;
      }
      index++;
    }
  } finally {
    await cursor.close();
  }
  return { total, boundaries };
}
