import { BSON } from 'mongodb';
import type { Column } from './columns';

/**
 * Rows straight from raw BSON: the export's hot path. The driver hands each contact over as the
 * bytes the server sent (`raw: true`); this reads only the projected paths out of them and writes
 * CSV or JSON bytes, so no JavaScript object, array or string is made per contact or per cell
 * (strings are copied byte for byte). A profile of the object path showed the garbage collector
 * taking 2.7 of 4.3 CPU seconds of a 100,000-contact job; this path makes almost no garbage.
 *
 * Its output is byte-identical to the object path (BSON.deserialize → values.ts → the format's
 * formatter), which stays the reference: a row holding anything this reader does not handle itself
 * (binary, regular expressions, code, timestamps, DBRefs, integer-like or duplicate keys inside an
 * object, dates outside years 0-9999, invalid UTF-8) is decoded whole and written by that path.
 * test/unit/bson-rows.test.ts checks the identity on generated contacts.
 */

const T_DOUBLE = 0x01;
const T_STRING = 0x02;
const T_DOCUMENT = 0x03;
const T_ARRAY = 0x04;
const T_UNDEFINED = 0x06;
const T_OBJECT_ID = 0x07;
const T_BOOLEAN = 0x08;
const T_DATE = 0x09;
const T_NULL = 0x0a;
const T_INT32 = 0x10;
const T_INT64 = 0x12;
const T_DECIMAL128 = 0x13;

const COMMA = 0x2c;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;

/** Thrown inside a row when the fast path cannot write it; the row is then decoded whole. */
class Unsupported extends Error {}
const unsupported = new Unsupported('unsupported in the raw BSON path');

/** A growable byte buffer; one per formatter, reused page after page. */
export class ByteSink {
  buf = Buffer.allocUnsafe(1 << 20);
  len = 0;

  ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** ASCII text: digits, ISO dates, fixed punctuation (short: a loop beats Buffer#write). */
  ascii(text: string): void {
    this.ensure(text.length);
    const out = this.buf;
    let n = this.len;
    for (let i = 0; i < text.length; i++) out[n++] = text.charCodeAt(i);
    this.len = n;
  }

  utf8(text: string): void {
    this.ensure(text.length * 3);
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    if (end - start > 64) {
      this.buf.set(src.subarray(start, end), this.len);
      this.len += end - start;
      return;
    }
    // Most cells are short: copying by hand makes no view object.
    const out = this.buf;
    let n = this.len;
    for (let i = start; i < end; i++) out[n++] = src[i] ?? 0;
    this.len = n;
  }

  /** The bytes written since `from`, copied out (the sink is reused). */
  take(from = 0): Buffer {
    const out = Buffer.from(this.buf.subarray(from, this.len));
    this.len = from;
    return out;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MS_PER_DAY = 86_400_000;
/** 9999-12-31T23:59:59.999Z: beyond it (and before 0000) toISOString writes six-digit years. */
const MAX_FAST_DATE = 253_402_300_799_999;
const MIN_FAST_DATE = -62_167_219_200_000;

/** `new Date(ms).toISOString()` for years 0000-9999, as bytes (Howard Hinnant's civil_from_days). */
function writeIsoDate(sink: ByteSink, ms: number): void {
  const days = Math.floor(ms / MS_PER_DAY);
  const inDay = ms - days * MS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor((inDay % 3_600_000) / 60_000);
  const seconds = Math.floor((inDay % 60_000) / 1000);
  const millis = inDay % 1000;
  sink.ensure(24);
  const out = sink.buf;
  let n = sink.len;
  out[n++] = 0x30 + Math.floor(year / 1000);
  out[n++] = 0x30 + (Math.floor(year / 100) % 10);
  out[n++] = 0x30 + (Math.floor(year / 10) % 10);
  out[n++] = 0x30 + (year % 10);
  out[n++] = 0x2d;
  n = twoDigits(out, n, month);
  out[n++] = 0x2d;
  n = twoDigits(out, n, day);
  out[n++] = 0x54; // T
  n = twoDigits(out, n, hours);
  out[n++] = 0x3a;
  n = twoDigits(out, n, minutes);
  out[n++] = 0x3a;
  n = twoDigits(out, n, seconds);
  out[n++] = 0x2e;
  out[n++] = 0x30 + Math.floor(millis / 100);
  out[n++] = 0x30 + (Math.floor(millis / 10) % 10);
  out[n++] = 0x30 + (millis % 10);
  out[n++] = 0x5a; // Z
  sink.len = n;
}

function twoDigits(out: Buffer, at: number, value: number): number {
  out[at] = 0x30 + Math.floor(value / 10);
  out[at + 1] = 0x30 + (value % 10);
  return at + 2;
}

/**
 * Writes a BSON date as the object path prints it (ISO 8601, quoted for JSON); false when it is
 * out of Date's range (the object path then prints nothing, or null).
 */
function writeDate(sink: ByteSink, view: Buffer, at: number, quoted: boolean): boolean {
  // As js-bson does: Long(low, high).toNumber(), exact below 2^53.
  const ms = view.readInt32LE(at + 4) * 4_294_967_296 + view.readUInt32LE(at);
  let text: string | undefined;
  if (ms < MIN_FAST_DATE || ms > MAX_FAST_DATE) {
    const date = new Date(ms);
    if (Number.isNaN(date.getTime())) return false;
    text = date.toISOString();
  }
  if (quoted) sink.byte(QUOTE);
  if (text === undefined) writeIsoDate(sink, ms);
  else sink.ascii(text);
  if (quoted) sink.byte(QUOTE);
  return true;
}

/** js-bson's promoteLongs: a number when |v| <= 2^53, else a Long (printed in decimal). */
function int64(view: Buffer, at: number): { value: string; isNumber: boolean } {
  const big = view.readBigInt64LE(at);
  const limit = 9_007_199_254_740_992n;
  return { value: big.toString(), isNumber: big <= limit && big >= -limit };
}

interface PathNode {
  readonly name: Buffer;
  /** The children by (name length, first byte), so an element is matched with one lookup. */
  readonly index: (PathNode[] | undefined)[];
  /** Columns whose path ends at this node. */
  readonly columns: number[];
  /** Columns whose path passes through or ends at this node (cleared when the node is seen again). */
  readonly under: number[];
  readonly children: PathNode[];
}

function pathTree(columns: readonly Column[]): PathNode {
  const roots: PathNode[] = [];
  const add = (nodes: PathNode[], name: string): PathNode => {
    const bytes = Buffer.from(name, 'utf8');
    let node = nodes.find((n) => n.name.equals(bytes));
    if (!node) {
      node = { name: bytes, index: [], columns: [], under: [], children: [] };
      nodes.push(node);
    }
    return node;
  };
  columns.forEach((column, index) => {
    const segments = column.kind === 'list' ? ['lists'] : column.path.split('.');
    let nodes = roots;
    let node: PathNode | undefined;
    for (const segment of segments) {
      node = add(nodes, segment);
      node.under.push(index);
      nodes = node.children;
    }
    node?.columns.push(index);
  });
  const root: PathNode = { name: Buffer.alloc(0), index: [], columns: [], under: [], children: roots };
  const indexAll = (node: PathNode): void => {
    for (const child of node.children) {
      const key = keyOf(child.name.length, child.name[0] ?? 0);
      node.index[key] = [...(node.index[key] ?? []), child];
      indexAll(child);
    }
  };
  indexAll(root);
  return root;
}

const keyOf = (length: number, firstByte: number): number => length * 256 + firstByte;
const NO_NODES: readonly PathNode[] = [];

/** Where each column's value is in the current document: its BSON type and offset (0: absent). */
class Found {
  readonly type: Uint8Array;
  readonly at: Int32Array;
  constructor(size: number) {
    this.type = new Uint8Array(size);
    this.at = new Int32Array(size);
  }
  clear(): void {
    this.type.fill(0);
  }
}

function nameEquals(doc: Uint8Array, start: number, end: number, name: Buffer): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (doc[start + i] !== name[i]) return false;
  return true;
}

/** Bytes of an element's value, by type; throws Unsupported for types this path leaves alone. */
function valueSize(view: Buffer, type: number, at: number): number {
  switch (type) {
    case T_DOUBLE:
    case T_DATE:
    case T_INT64:
      return 8;
    case T_STRING:
      return 4 + view.readInt32LE(at);
    case T_DOCUMENT:
    case T_ARRAY:
      return view.readInt32LE(at);
    case T_UNDEFINED:
    case T_NULL:
      return 0;
    case T_OBJECT_ID:
      return 12;
    case T_BOOLEAN:
      return 1;
    case T_INT32:
      return 4;
    case T_DECIMAL128:
      return 16;
    default:
      throw unsupported;
  }
}

/** The end of an element name (its NUL). */
function nameEnd(doc: Uint8Array, at: number): number {
  let i = at;
  while (doc[i] !== 0) i++;
  return i;
}

/**
 * Finds the columns' values in one document: one pass over its top-level elements, descending
 * only into sub-documents on a column's path. A repeated key takes its last value (as decoding
 * into an object does).
 */
function locate(doc: Uint8Array, view: Buffer, start: number, parent: PathNode, found: Found): void {
  const end = start + view.readInt32LE(start) - 1;
  let i = start + 4;
  while (i < end) {
    const type = doc[i] ?? 0;
    const nameStart = i + 1;
    const nameStop = nameEnd(doc, nameStart);
    const valueAt = nameStop + 1;
    const candidates = parent.index[keyOf(nameStop - nameStart, doc[nameStart] ?? 0)] ?? NO_NODES;
    for (const node of candidates) {
      if (!nameEquals(doc, nameStart, nameStop, node.name)) continue;
      for (const column of node.under) found.type[column] = 0;
      for (const column of node.columns) {
        found.type[column] = type;
        found.at[column] = valueAt;
      }
      if (node.children.length > 0 && type === T_DOCUMENT) locate(doc, view, valueAt, node, found);
    }
    i = valueAt + valueSize(view, type, valueAt);
  }
}

/**
 * Whether bytes are well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), as the driver's decoder requires. In JavaScript: most strings are short, and
 * `buffer.isUtf8` would need a view object for each.
 */
export function validUtf8(src: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = src[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return false;
    if (i + need >= end) return false;
    for (let k = 1; k <= need; k++) {
      const c = src[i + k] ?? 0;
      if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/** JSON string escaping of UTF-8 bytes, as JSON.stringify escapes (non-ASCII left as it is). */
function writeJsonString(sink: ByteSink, doc: Uint8Array, start: number, end: number): void {
  sink.ensure((end - start) * 6 + 2);
  const out = sink.buf;
  let n = sink.len;
  out[n++] = QUOTE;
  let high = false;
  for (let i = start; i < end; i++) {
    const b = doc[i] ?? 0;
    if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
      if (b >= 0x80) high = true;
      out[n++] = b;
      continue;
    }
    out[n++] = BACKSLASH;
    switch (b) {
      case QUOTE:
        out[n++] = QUOTE;
        break;
      case BACKSLASH:
        out[n++] = BACKSLASH;
        break;
      case 0x08:
        out[n++] = 0x62; // b
        break;
      case 0x0c:
        out[n++] = 0x66; // f
        break;
      case LF:
        out[n++] = 0x6e; // n
        break;
      case CR:
        out[n++] = 0x72; // r
        break;
      case 0x09:
        out[n++] = 0x74; // t
        break;
      default:
        n += out.write(`u00${HEX[b]}`, n, 'latin1');
    }
  }
  out[n++] = QUOTE;
  if (high && !validUtf8(doc, start, end)) throw unsupported;
  sink.len = n;
}

/** A value as the object path's toJsonValue + JSON.stringify would write it. */
function writeJsonValue(sink: ByteSink, doc: Uint8Array, view: Buffer, type: number, at: number): void {
  switch (type) {
    case T_STRING:
      writeJsonString(sink, doc, at + 4, at + 4 + view.readInt32LE(at) - 1);
      return;
    case T_DOUBLE: {
      const v = view.readDoubleLE(at);
      sink.ascii(Number.isFinite(v) ? String(v) : 'null');
      return;
    }
    case T_INT32:
      sink.ascii(String(view.readInt32LE(at)));
      return;
    case T_INT64: {
      const { value, isNumber } = int64(view, at);
      sink.ascii(isNumber ? value : `"${value}"`);
      return;
    }
    case T_BOOLEAN:
      sink.ascii(doc[at] ? 'true' : 'false');
      return;
    case T_DATE:
      if (!writeDate(sink, view, at, true)) sink.ascii('null');
      return;
    case T_NULL:
    case T_UNDEFINED:
      sink.ascii('null');
      return;
    case T_OBJECT_ID:
      sink.ascii(`"${objectIdHex(doc, at)}"`);
      return;
    case T_DECIMAL128:
      sink.ascii(`"${decimal128(doc, at)}"`);
      return;
    case T_DOCUMENT:
      writeJsonObject(sink, doc, view, at, false);
      return;
    case T_ARRAY:
      writeJsonObject(sink, doc, view, at, true);
      return;
    default:
      throw unsupported;
  }
}

function objectIdHex(doc: Uint8Array, at: number): string {
  let hex = '';
  for (let i = 0; i < 12; i++) hex += HEX[doc[at + i] ?? 0];
  return hex;
}

function decimal128(doc: Uint8Array, at: number): string {
  return new BSON.Decimal128(Buffer.from(doc.subarray(at, at + 16))).toString();
}

/**
 * A sub-document as JSON, keys in stored order. A JavaScript object would move integer-like keys
 * to the front and keep one of two equal keys, and `$ref` documents decode as DBRefs: such objects
 * go to the object path.
 */
function writeJsonObject(sink: ByteSink, doc: Uint8Array, view: Buffer, start: number, array: boolean): void {
  const end = start + view.readInt32LE(start) - 1;
  let i = start + 4;
  sink.byte(array ? 0x5b : 0x7b);
  let first = true;
  while (i < end) {
    const type = doc[i] ?? 0;
    const nameStart = i + 1;
    const nameStop = nameEnd(doc, nameStart);
    const valueAt = nameStop + 1;
    if (!first) sink.byte(COMMA);
    first = false;
    if (!array) {
      if (oddKey(doc, nameStart, nameStop) || repeatsKey(doc, view, start + 4, i, nameStart, nameStop))
        throw unsupported;
      writeJsonString(sink, doc, nameStart, nameStop);
      sink.byte(0x3a);
    }
    writeJsonValue(sink, doc, view, type, valueAt);
    i = valueAt + valueSize(view, type, valueAt);
  }
  sink.byte(array ? 0x5d : 0x7d);
}

const PROTO = Buffer.from('__proto__');

/**
 * Keys an object would not keep in stored order or as plain data: integer-like (moved first),
 * `$`-prefixed (`$ref` documents decode as DBRefs) and `__proto__`.
 */
function oddKey(doc: Uint8Array, start: number, end: number): boolean {
  const c = doc[start] ?? 0;
  return (c >= 0x30 && c <= 0x39) || c === 0x24 || nameEquals(doc, start, end, PROTO);
}

/** Whether an earlier element of the same object (from `first` up to `upTo`) has this name. */
function repeatsKey(
  doc: Uint8Array,
  view: Buffer,
  first: number,
  upTo: number,
  nameStart: number,
  nameStop: number,
): boolean {
  let i = first;
  while (i < upTo) {
    const type = doc[i] ?? 0;
    const stop = nameEnd(doc, i + 1);
    if (stop - (i + 1) === nameStop - nameStart) {
      let same = true;
      for (let k = 0; k < nameStop - nameStart && same; k++) same = doc[i + 1 + k] === doc[nameStart + k];
      if (same) return true;
    }
    i = stop + 1 + valueSize(view, type, stop + 1);
  }
  return false;
}

/** First bytes that make a spreadsheet read a cell as a formula: = + - @ tab CR (OWASP). */
function startsFormula(b: number | undefined): boolean {
  return b === 0x3d || b === 0x2b || b === 0x2d || b === 0x40 || b === 0x09 || b === CR;
}

/**
 * A CSV cell from raw bytes: quoted (quotes doubled) when it holds a comma, quote, CR or LF;
 * `apostrophe` puts a ' before the text (inside the quotes), as formula neutralizing does.
 */
function writeCsvBytes(
  sink: ByteSink,
  src: Uint8Array,
  start: number,
  end: number,
  checkUtf8: boolean,
  apostrophe = false,
): void {
  let quote = false;
  let high = false;
  for (let i = start; i < end; i++) {
    const b = src[i] ?? 0;
    if (b === COMMA || b === QUOTE || b === LF || b === CR) quote = true;
    else if (b >= 0x80) high = true;
  }
  if (checkUtf8 && high && !validUtf8(src, start, end)) throw unsupported;
  if (!quote) {
    if (apostrophe) sink.byte(APOSTROPHE);
    sink.bytes(src, start, end);
    return;
  }
  sink.ensure((end - start) * 2 + 3);
  const out = sink.buf;
  let n = sink.len;
  out[n++] = QUOTE;
  if (apostrophe) out[n++] = APOSTROPHE;
  for (let i = start; i < end; i++) {
    const b = src[i] ?? 0;
    if (b === QUOTE) out[n++] = QUOTE;
    out[n++] = b;
  }
  out[n++] = QUOTE;
  sink.len = n;
}

/** A value as the object path's toCsvCell + RFC 4180 quoting would write it. */
function writeCsvValue(
  sink: ByteSink,
  scratch: ByteSink,
  doc: Uint8Array,
  view: Buffer,
  type: number,
  at: number,
  neutralizeFormulas: boolean,
): void {
  switch (type) {
    case 0:
    case T_NULL:
    case T_UNDEFINED:
      return;
    case T_STRING: {
      const start = at + 4;
      const end = start + view.readInt32LE(at) - 1;
      writeCsvBytes(
        sink,
        doc,
        start,
        end,
        true,
        neutralizeFormulas && end > start && startsFormula(doc[start]),
      );
      return;
    }
    case T_DOUBLE: {
      const v = view.readDoubleLE(at);
      if (Number.isFinite(v)) sink.ascii(String(v));
      return;
    }
    case T_INT32:
      sink.ascii(String(view.readInt32LE(at)));
      return;
    case T_INT64:
      sink.ascii(int64(view, at).value);
      return;
    case T_BOOLEAN:
      sink.ascii(doc[at] ? 'true' : 'false');
      return;
    case T_DATE:
      writeDate(sink, view, at, false);
      return;
    case T_OBJECT_ID:
      sink.ascii(objectIdHex(doc, at));
      return;
    case T_DECIMAL128:
      sink.ascii(decimal128(doc, at));
      return;
    case T_DOCUMENT:
    case T_ARRAY: {
      // JSON text of the value, then quoted as a cell.
      const from = scratch.len;
      writeJsonObject(scratch, doc, view, at, type === T_ARRAY);
      writeCsvBytes(sink, scratch.buf, from, scratch.len, false);
      scratch.len = from;
      return;
    }
    default:
      throw unsupported;
  }
}

/** "1" when the `lists` array holds the list's name as a string, else "0". */
function isMember(doc: Uint8Array, view: Buffer, type: number, at: number, name: Buffer): boolean {
  if (type !== T_ARRAY) return false;
  const end = at + view.readInt32LE(at) - 1;
  let i = at + 4;
  while (i < end) {
    const elementType = doc[i] ?? 0;
    const valueAt = nameEnd(doc, i + 1) + 1;
    if (elementType === T_STRING) {
      const length = view.readInt32LE(valueAt) - 1;
      if (length === name.length) {
        let same = true;
        for (let k = 0; k < length && same; k++) same = doc[valueAt + 4 + k] === name[k];
        if (same) return true;
      }
    }
    i = valueAt + valueSize(view, elementType, valueAt);
  }
  return false;
}

/** Rows written through the object path instead (counted for tests and metrics). */
export const bsonRowStats = { rows: 0, fallbacks: 0 };

/** What a format needs to write its rows from raw BSON. */
export interface BsonRowEncoder {
  /** Writes one row (the object path's bytes for the same contact), or falls back for it. */
  writeRow(sink: ByteSink, doc: Uint8Array): void;
}

/**
 * Compiles the columns once; `writeRow` then finds each column's value in the document and hands
 * it to `cells`, which writes the row's text. Falls back to `fallback(decoded)` for a row it
 * cannot write itself.
 */
export function bsonRowEncoder(
  columns: readonly Column[],
  cells: (
    sink: ByteSink,
    scratch: ByteSink,
    doc: Uint8Array,
    view: Buffer,
    found: Found,
    lists: readonly (Buffer | undefined)[],
  ) => void,
  fallback: (doc: Record<string, unknown>) => string,
): BsonRowEncoder {
  const tree = pathTree(columns);
  const found = new Found(columns.length);
  const lists = columns.map((c) => (c.kind === 'list' ? Buffer.from(c.listName, 'utf8') : undefined));
  const scratch = new ByteSink();
  return {
    writeRow(sink, doc) {
      const rowStart = sink.len;
      bsonRowStats.rows++;
      const view = Buffer.isBuffer(doc) ? doc : Buffer.from(doc.buffer, doc.byteOffset, doc.byteLength);
      try {
        found.clear();
        locate(doc, view, 0, tree, found);
        cells(sink, scratch, doc, view, found, lists);
      } catch (err) {
        if (!(err instanceof Unsupported) && !(err instanceof RangeError)) throw err;
        sink.len = rowStart;
        scratch.len = 0;
        bsonRowStats.fallbacks++;
        sink.utf8(fallback(BSON.deserialize(doc)));
      }
    },
  };
}

/** CSV cells of one row, comma-separated, ending in "\n"; text cells neutralized when asked. */
export function csvCells(neutralizeFormulas: boolean) {
  return (
    sink: ByteSink,
    scratch: ByteSink,
    doc: Uint8Array,
    view: Buffer,
    found: Found,
    lists: readonly (Buffer | undefined)[],
  ): void => {
    for (let c = 0; c < lists.length; c++) {
      if (c > 0) sink.byte(COMMA);
      const list = lists[c];
      const type = found.type[c] ?? 0;
      const at = found.at[c] ?? 0;
      if (list) sink.byte(isMember(doc, view, type, at, list) ? 0x31 : 0x30);
      else writeCsvValue(sink, scratch, doc, view, type, at, neutralizeFormulas);
    }
    sink.byte(LF);
  };
}

/** One JSON object of the row, keys the column headers (given pre-encoded as `"header":`). */
export function jsonCells(keys: readonly Buffer[]) {
  return (
    sink: ByteSink,
    _scratch: ByteSink,
    doc: Uint8Array,
    view: Buffer,
    found: Found,
    lists: readonly (Buffer | undefined)[],
  ): void => {
    sink.byte(0x7b);
    for (let c = 0; c < lists.length; c++) {
      const key = keys[c] ?? Buffer.alloc(0);
      if (c > 0) sink.byte(COMMA);
      sink.bytes(key, 0, key.length);
      const list = lists[c];
      const type = found.type[c] ?? 0;
      const at = found.at[c] ?? 0;
      if (list) sink.ascii(isMember(doc, view, type, at, list) ? '"1"' : '"0"');
      else if (type === 0) sink.ascii('null');
      else writeJsonValue(sink, doc, view, type, at);
    }
    sink.byte(0x7d);
  };
}

/** `"header":` for each column, as JSON.stringify writes the key. */
export function jsonKeys(columns: readonly Column[]): Buffer[] {
  return columns.map((c) => Buffer.from(`${JSON.stringify(c.header)}:`, 'utf8'));
}
