import fc from 'fast-check';
import { BSON } from 'mongodb';
import { isUtf8 } from 'node:buffer';
import { bsonRowStats, validUtf8 } from '../../src/export/bson-rows';
import type { Column } from '../../src/export/columns';
import { createRowFormatter, exportFormatNames } from '../../src/export/formats';

/**
 * The raw BSON path (src/export/bson-rows.ts) must write exactly the bytes of the object path
 * (decode → values.ts → formatter) for any contact: generated contacts hold every BSON type the
 * store may hand over, hostile strings, nested objects with odd keys, and paths through arrays.
 */
const columns: Column[] = [
  ...['a', 'b', 'nested.x', 'nested.deep.y', 'arr', 'arr.0', 'obj', 'missing', 'weird key'].map(
    (path): Column => ({ kind: 'field', header: path, path }),
  ),
  { kind: 'list', header: 'vip', listName: 'vip' },
  { kind: 'list', header: 'ünï', listName: 'ünï' },
];

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', ',', '"', '\r', '\n', '\r\n', 'a,b "c"\r\nd\re', '\u2028', '\u0000x', '\\', '\t\b\f'),
  fc.constantFrom('=1+2', '+31 6', '-3', '@SUM(A1)', '\tx', '\r=x', '=HYPERLINK("http://x","y"),z', "'="),
);
const fastScalar = [
  text,
  fc.double(),
  fc.constantFrom(0, -0, 1e21, 1.5e-7, NaN, Infinity, -Infinity),
  fc.integer().map((n) => new BSON.Int32(n | 0)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => BSON.Long.fromBigInt(n)),
  fc.constantFrom(2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n).map((n) => BSON.Long.fromBigInt(n)),
  fc.boolean(),
  fc.constant(null),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
  fc.constantFrom(new Date(0), new Date('0000-01-01T00:00:00Z'), new Date('9999-12-31T23:59:59.999Z')),
  fc.constant(new BSON.ObjectId('65f0a1b2c3d4e5f601234567')),
  fc.constantFrom('12.50', '-0.001', '1E+3', 'NaN').map((d) => BSON.Decimal128.fromString(d)),
];
/** What the raw path leaves to the object path. */
const oddScalar = [
  fc.constant(new BSON.Binary(Buffer.from('bin'))),
  fc.constant(new BSON.Timestamp({ t: 1, i: 2 })),
];
const plainKey = fc
  .string({ maxLength: 6 })
  .filter((k) => !k.includes('\0') && !/^[0-9$]/.test(k) && k !== '__proto__');
const oddKey = fc.constantFrom('1', '$ref', '__proto__');

function contacts(odd: boolean): fc.Arbitrary<Record<string, unknown>[]> {
  const scalar = fc.oneof(...fastScalar, ...(odd ? oddScalar : []));
  const key = odd ? fc.oneof(plainKey, oddKey) : plainKey;
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  })).value;
  const contact = fc.record(
    {
      a: scalar,
      b: value,
      nested: fc.oneof(
        fc.record({ x: value, deep: fc.oneof(fc.record({ y: value }), scalar) }, { requiredKeys: [] }),
        scalar,
      ),
      arr: fc.array(value, { maxLength: 3 }),
      obj: value,
      'weird key': text,
      lists: fc.oneof(
        fc.array(fc.oneof(fc.constantFrom('vip', 'ünï', 'other'), scalar), { maxLength: 4 }),
        scalar,
      ),
    },
    { requiredKeys: [] },
  );
  return fc.array(contact, { minLength: 1, maxLength: 5 });
}

describe('rows from raw BSON equal rows from decoded contacts, byte for byte', () => {
  it.each(exportFormatNames.flatMap((f) => [[f, false] as const, [f, true] as const]))(
    '%s (with values the raw path leaves to the object path: %s)',
    (format, odd) => {
      const before = { ...bsonRowStats };
      fc.assert(
        fc.property(contacts(odd), fc.nat(3), (docs, rowsBefore) => {
          const raw = docs.map((doc, i) => BSON.serialize({ _id: i, ...doc }));
          const decoded = raw.map((bytes) => BSON.deserialize(bytes));
          const formatter = createRowFormatter(format, columns, { showHeader: true });
          const expected = formatter.page(decoded, rowsBefore);
          const actual = formatter.rawPage?.(raw, rowsBefore).toString('utf8');
          expect(actual).toBe(expected);
        }),
        { numRuns: 400, seed: 42 },
      );
      const rows = bsonRowStats.rows - before.rows;
      const fallbacks = bsonRowStats.fallbacks - before.fallbacks;
      expect(rows).toBeGreaterThan(400);
      if (odd) expect(fallbacks).toBeGreaterThan(0);
      else expect(fallbacks).toBe(0);
    },
  );

  it('csv with neutralizeFormulas: both paths write the same bytes', () => {
    fc.assert(
      fc.property(contacts(false), (docs) => {
        const raw = docs.map((doc, i) => BSON.serialize({ _id: i, ...doc }));
        const decoded = raw.map((bytes) => BSON.deserialize(bytes));
        const formatter = createRowFormatter('csv', columns, { showHeader: false, neutralizeFormulas: true });
        expect(formatter.rawPage?.(raw, 0).toString('utf8')).toBe(formatter.page(decoded, 0));
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('csv with neutralizeFormulas: text cells starting with = + - @ tab CR get a leading apostrophe, nothing else changes', () => {
    const cols: Column[] = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'n'].map((path): Column => ({
      kind: 'field',
      header: path,
      path,
    }));
    const doc = {
      a: '=1+2',
      b: '+31 6 1234',
      c: '-x',
      d: '@SUM(A1)',
      e: '\tTab',
      f: '=HYPERLINK("http://evil","click"),x',
      g: 'plain = text',
      n: -5,
    };
    for (const raw of [false, true]) {
      const formatter = createRowFormatter('csv', cols, { showHeader: false, neutralizeFormulas: true });
      const out = raw
        ? formatter.rawPage?.([BSON.serialize(doc)], 0).toString('utf8')
        : formatter.page([doc], 0);
      expect(out).toBe(
        `'=1+2,'+31 6 1234,'-x,'@SUM(A1),'\tTab,"'=HYPERLINK(""http://evil"",""click""),x",plain = text,-5\n`,
      );
    }
    const off = createRowFormatter('csv', cols, { showHeader: false });
    expect(off.page([doc], 0)).toBe(
      `=1+2,+31 6 1234,-x,@SUM(A1),\tTab,"=HYPERLINK(""http://evil"",""click""),x",plain = text,-5\n`,
    );
  });

  it('writes a demo contact without falling back', () => {
    const doc = {
      _id: new BSON.ObjectId(),
      channels: { email: { address: 'lea@example.com', subscribeStatus: 'subscribed' } },
      first_name: 'Léa',
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
      age: 41,
      address: { street: '107 "Main" Street', city: 'Kraków' },
      interests: ['jazz', 'travel'],
      lists: ['vip'],
    };
    const cols: Column[] = [
      'channels.email.address',
      'first_name',
      'createdAt',
      'age',
      'address',
      'interests',
    ].map((path): Column => ({ kind: 'field', header: path, path }));
    cols.push({ kind: 'list', header: 'vip', listName: 'vip' });
    const formatter = createRowFormatter('csv', cols, { showHeader: false });
    const fallbacks = bsonRowStats.fallbacks;
    expect(formatter.rawPage?.([BSON.serialize(doc)], 0).toString('utf8')).toBe(
      'lea@example.com,Léa,2026-01-02T03:04:05.678Z,41,"{""street"":""107 \\""Main\\"" Street"",""city"":""Kraków""}","[""jazz"",""travel""]",1\n',
    );
    expect(bsonRowStats.fallbacks).toBe(fallbacks);
  });

  it('checks UTF-8 as Node does', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc
        .array(
          fc.constantFrom(0x41, 0x80, 0xbf, 0xc2, 0xc0, 0xe0, 0xa0, 0xed, 0x9f, 0xf0, 0x90, 0xf4, 0x8f, 0xf5),
          { maxLength: 8 },
        )
        .map((a) => Uint8Array.from(a)),
      fc.string({ unit: 'grapheme' }).map((t) => new Uint8Array(Buffer.from(t, 'utf8'))),
    );
    fc.assert(
      fc.property(bytes, (b) => expect(validUtf8(b, 0, b.length)).toBe(isUtf8(b))),
      { numRuns: 5000, seed: 7 },
    );
  });
});
