import { ObjectId, Decimal128, Long } from 'mongodb';
import { projectionFor, resolveColumns } from '../../src/export/columns';
import {
  contentTypeOfFile,
  createRowFormatter,
  exportContentType,
  exportFileName,
  formatModule,
} from '../../src/export/formats';
import { toCsvCell, toJsonValue } from '../../src/export/values';
import { UnknownReferenceError } from '../../src/errors';
import { demoAttributes, demoLists } from '../../src/seed/demo-data';

const schema = { attributes: demoAttributes, lists: demoLists };

describe('column rules (SPEC section 2)', () => {
  it('rule 1: no fields and no lists → every field, then every list by name', () => {
    const columns = resolveColumns({ fields: [], lists: [] }, schema);
    expect(columns.slice(0, 5).map((c) => c.header)).toEqual([
      'channels.email.address',
      'channels.email.subscribeStatus',
      'createdAt',
      'lastModified',
      'first_name',
    ]);
    expect(columns.filter((c) => c.kind === 'list').map((c) => c.header)).toEqual(
      demoLists.map((l) => l.name),
    );
  });

  it('rule 2: lists only → email address, then the lists as requested', () => {
    const columns = resolveColumns({ fields: [], lists: ['8757', 8756] }, schema);
    expect(columns).toEqual([
      { kind: 'field', header: 'channels.email.address', path: 'channels.email.address' },
      { kind: 'list', header: '8757', listName: 'weekly_specials' },
      { kind: 'list', header: '8756', listName: 'monthly_newsletter' },
    ]);
  });

  it('rule 3: fields then lists, in the given order', () => {
    const columns = resolveColumns({ fields: ['last_name', 'address.city'], lists: ['vip_club'] }, schema);
    expect(columns.map((c) => c.header)).toEqual(['last_name', 'address.city', 'vip_club']);
    expect(projectionFor(columns)).toEqual({ last_name: 1, address: 1, lists: 1 });
  });

  it('when references are unknown, then every one is named, and a field given as a list says so', () => {
    try {
      resolveColumns({ fields: ['shoe_size'], lists: ['first_name', 1] }, schema);
      throw new Error('expected UnknownReferenceError');
    } catch (err) {
      expect(err).toBeInstanceOf(UnknownReferenceError);
      expect((err as UnknownReferenceError).details).toEqual([
        { path: 'fields.0', message: expect.stringContaining('unknown field "shoe_size"') },
        { path: 'lists.0', message: expect.stringContaining('is a contact field') },
        { path: 'lists.1', message: 'unknown list 1' },
      ]);
    }
  });
});

describe('values (SPEC section 3)', () => {
  it.each<[unknown, string, unknown]>([
    [undefined, '', null],
    [null, '', null],
    ['text', 'text', 'text'],
    [42, '42', 42],
    [-0.5, '-0.5', -0.5],
    [Number.NaN, '', null],
    [true, 'true', true],
    [new Date('2026-03-04T05:06:07.089Z'), '2026-03-04T05:06:07.089Z', '2026-03-04T05:06:07.089Z'],
    [new Date('invalid'), '', null],
    [['a', 1, null], '["a",1,null]', ['a', 1, null]],
    [
      { a: { b: new Date(0) } },
      '{"a":{"b":"1970-01-01T00:00:00.000Z"}}',
      { a: { b: '1970-01-01T00:00:00.000Z' } },
    ],
    [new ObjectId('65f000000000000000000001'), '65f000000000000000000001', '65f000000000000000000001'],
    [Decimal128.fromString('12.50'), '12.50', '12.50'],
    [Long.fromString('9007199254740993'), '9007199254740993', '9007199254740993'],
  ])('%p → CSV %j, JSON %j', (value, csv, json) => {
    expect(toCsvCell(value)).toBe(csv);
    expect(toJsonValue(value)).toEqual(json);
  });
});

describe('formatters', () => {
  const columns = resolveColumns({ fields: ['first_name', 'address'], lists: ['vip_club'] }, schema);

  it('CSV quotes per RFC 4180: commas, quotes, LF, CRLF and a bare CR', () => {
    const csv = createRowFormatter('csv', columns, { showHeader: true });
    const text =
      csv.prologue() +
      csv.page([{ first_name: 'a,b "c"\r\nd\re', address: { x: '"' }, lists: ['vip_club'] }], 0);
    expect(text).toBe('first_name,address,vip_club\n"a,b ""c""\r\nd\re","{""x"":""\\""""}",1\n');
  });

  it('JSON rows continue a resumed file with the right separator', () => {
    const json = createRowFormatter('json', columns, { showHeader: false });
    expect(
      json.prologue() +
        json.page([{ first_name: 'A' }], 0) +
        json.page([{ first_name: 'B' }], 1) +
        json.epilogue(2),
    ).toBe(
      '[\n{"first_name":"A","address":null,"vip_club":"0"},\n{"first_name":"B","address":null,"vip_club":"0"}\n]\n',
    );
    expect(json.prologue() + json.epilogue(0)).toBe('[]\n');
  });

  it('NDJSON writes one object per line, no frame, so pages and partitions simply concatenate', () => {
    const ndjson = createRowFormatter('ndjson', columns, { showHeader: true });
    const text =
      ndjson.prologue() +
      ndjson.page([{ first_name: 'A\nB', lists: ['vip_club'] }], 0) +
      ndjson.page([{ first_name: 'C' }], 1) +
      ndjson.epilogue(2);
    expect(text).toBe(
      '{"first_name":"A\\nB","address":null,"vip_club":"1"}\n{"first_name":"C","address":null,"vip_club":"0"}\n',
    );
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toHaveLength(2);
    expect(ndjson.prologue() + ndjson.epilogue(0)).toBe('');
    expect(formatModule('ndjson').partSeparator).toBe('');
  });

  it.each([
    ['csv', false, 'x.csv', 'text/csv; charset=utf-8'],
    ['json', false, 'x.json', 'application/json'],
    ['ndjson', false, 'x.ndjson', 'application/x-ndjson'],
    ['ndjson', true, 'x.ndjson.gz', 'application/gzip'],
  ] as const)('%s (gzip %s) is named %s and served as %s', (format, compress, name, type) => {
    expect(exportFileName('x', format, compress)).toBe(name);
    expect(exportContentType(format, compress)).toBe(type);
    expect(contentTypeOfFile(name)).toBe(type);
  });

  it('an encrypted file gets .pgp after .gz and is served as application/pgp-encrypted', () => {
    expect(exportFileName('x', 'csv', true, true)).toBe('x.csv.gz.pgp');
    expect(exportFileName('x', 'json', false, true)).toBe('x.json.pgp');
    expect(contentTypeOfFile('x.csv.gz.pgp')).toBe('application/pgp-encrypted');
  });

  it('a file name no format made is served as application/octet-stream, not as CSV', () => {
    expect(contentTypeOfFile('x.parquet')).toBe('application/octet-stream');
  });
});
