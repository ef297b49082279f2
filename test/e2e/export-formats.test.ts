import { execFileSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { ObjectId } from 'mongodb';
import type { JobView } from '../../src/jobs/types';
import { seedStore } from '../../src/seed/seed-store';
import { waitForJob } from '../helpers/jobs';
import { TEST_API_KEY, testConfig } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

type Doc = Record<string, unknown>;

/** Contacts that break naive exporters: quoting, line breaks, scripts, emoji, nesting, types. */
function hostileContacts(): Doc[] {
  const base = new Date('2026-01-02T03:04:05.678Z');
  const texts = [
    'plain',
    'comma, inside',
    'quote " inside',
    '"fully quoted"',
    'line\nbreak',
    'windows\r\nbreak',
    'bare\rcarriage',
    ' leading and trailing ',
    '',
    '007',
    '=1+2',
    'Ünïcödé café',
    'Юлия 美咲 عربى',
    'emoji 😀👩‍👩‍👧 flags 🇫🇷',
    'tab\tinside',
    'null',
    '\\backslash\\',
  ];
  return texts.map((text, i) => ({
    _id: new ObjectId(),
    channels: {
      email: { address: `c${i}@example.com`, subscribeStatus: i % 2 ? 'subscribed' : 'unsubscribed' },
    },
    first_name: text,
    last_name: i % 3 === 0 ? null : `Last ${i}`,
    ...(i % 4 === 0 ? {} : { age: i % 5 === 0 ? -i : i * 1.25 }),
    vip: i % 2 === 0,
    birthday: i % 3 === 1 ? new Date(base.getTime() + i * 86_400_000) : undefined,
    interests: i % 2 ? ['a,b', 'quote "q"', text] : [],
    address:
      i % 3 === 2 ? { street: text, city: 'Paris', zip: '75001', geo: { lat: 48.85, lng: 2.35 } } : null,
    loyalty_points: i === 3 ? 1e21 : i === 4 ? 0.1 + 0.2 : i,
    createdAt: base,
    lastModified: new Date(base.getTime() + i),
    lists: i % 2 ? ['monthly_newsletter', 'vip_club'] : ['weekly_specials'],
  }));
}

const fields = [
  'channels.email.address',
  'first_name',
  'last_name',
  'age',
  'vip',
  'birthday',
  'interests',
  'address',
  'address.city',
  'loyalty_points',
  'createdAt',
];
const lists: (string | number)[] = ['monthly_newsletter', 8758, 'weekly_specials'];
const listNames: Record<string, string> = {
  monthly_newsletter: 'monthly_newsletter',
  '8758': 'vip_club',
  weekly_specials: 'weekly_specials',
};

/** What SPEC section 3 says a value becomes, written independently of the exporter. */
function at(doc: Doc, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Doc)[k] : undefined),
      doc,
    );
}
function jsonValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Doc).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}
function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(jsonValue(v));
  // Numbers and booleans print the same through JSON.stringify as through String().
  return typeof v === 'string' ? v : JSON.stringify(v);
}
const member = (doc: Doc, ref: string | number): string =>
  (doc.lists as string[]).includes(listNames[String(ref)] ?? '') ? '1' : '0';

function gunzip(buffer: Buffer): string {
  // The system gunzip, not Node's zlib: the file must suit standard tools.
  return execFileSync('gunzip', ['-c'], { input: buffer, maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
}

describe('export files: columns, values, CSV/JSON, gzip (SPEC sections 2 and 3)', () => {
  let stack: TestStack;
  let stored: Doc[];

  beforeAll(async () => {
    stack = await startTestStack({ config: testConfig({ EXPORT_BATCH_SIZE: '4' }) });
    await seedStore(stack.db, { contacts: 0 });
    await stack.db.collection('contacts').insertMany(hostileContacts());
    // What the database gives back is the truth the files are compared with.
    stored = await stack.db
      .collection('contacts')
      .find({}, { sort: { _id: 1 } })
      .toArray();
  });
  afterAll(() => stack?.stop());

  async function exportFile(body: Record<string, unknown>): Promise<{ job: JobView; bytes: Buffer }> {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', body);
    expect(created.status).toBe(202);
    const { job } = await waitForJob(stack, created.body.jobID);
    expect(job.status).toBe('Done');
    const res = await fetch(`${stack.url}/jobs/${job.jobID}/download`, {
      headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` },
    });
    expect(res.status).toBe(200);
    return { job, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  it.each([
    ['csv with header', { showHeader: true, compress: false }],
    ['csv with header, gzip', { showHeader: true, compress: true }],
  ])(
    'when exported as %s, then an independent parser reads back every cell as stored',
    async (_case, options) => {
      const { job, bytes } = await exportFile({
        exportType: 'csv',
        name: 'round-trip',
        fields,
        lists,
        ...options,
      });
      expect(job.file?.name).toBe(options.compress ? 'round-trip.csv.gz' : 'round-trip.csv');
      const text = options.compress ? gunzip(bytes) : bytes.toString('utf8');
      const rows: string[][] = parse(text, { relax_column_count: false });
      expect(rows[0]).toEqual([...fields, ...lists.map(String)]);
      expect(rows.slice(1)).toEqual(
        stored.map((doc) => [...fields.map((f) => csvCell(at(doc, f))), ...lists.map((l) => member(doc, l))]),
      );
      expect(text.endsWith('\n')).toBe(true);
      expect(text).not.toMatch(/\r\n(?=[^"]*$)/); // record separators are \n
    },
  );

  it.each([
    ['json', false],
    ['json, gzip', true],
  ])(
    'when exported as %s, then it is one array of flat objects whose values keep their JSON types',
    async (_case, compress) => {
      const { bytes } = await exportFile({ exportType: 'json', fields, lists, compress });
      const text = compress ? gunzip(bytes) : bytes.toString('utf8');
      expect(text.startsWith('[\n{')).toBe(true);
      expect(text.endsWith('}\n]\n')).toBe(true);
      const rows = JSON.parse(text) as Doc[];
      expect(rows).toEqual(
        stored.map((doc) =>
          Object.fromEntries([
            ...fields.map((f) => [f, jsonValue(at(doc, f))]),
            ...lists.map((l) => [String(l), member(doc, l)]),
          ]),
        ),
      );
    },
  );

  it('when neutralizeFormulas is on, then text cells that a spreadsheet would run get a leading apostrophe and nothing else changes', async () => {
    const { bytes } = await exportFile({
      exportType: 'csv',
      fields,
      lists,
      neutralizeFormulas: true,
      compress: true,
    });
    const rows: string[][] = parse(gunzip(bytes));
    const formula = /^[=+\-@\t\r]/;
    expect(rows).toEqual(
      stored.map((doc) => [
        ...fields.map((f) => {
          const value = at(doc, f);
          const cell = csvCell(value);
          return typeof value === 'string' && formula.test(cell) ? `'${cell}` : cell;
        }),
        ...lists.map((l) => member(doc, l)),
      ]),
    );
    const names = rows.map((r) => r[fields.indexOf('first_name')]);
    expect(names).toContain("'=1+2");
    // Negative numbers stay numbers.
    expect(rows.some((r) => /^-\d/.test(r[fields.indexOf('age')] ?? ''))).toBe(true);
    // JSON keeps every value as stored: the option is about spreadsheets opening CSV.
    const json = await exportFile({ exportType: 'json', fields: ['first_name'], neutralizeFormulas: true });
    expect((JSON.parse(json.bytes.toString('utf8')) as Doc[]).map((r) => r.first_name)).toContain('=1+2');
  });

  it('when neutralizeFormulas is not a boolean, then POST answers 400 naming it', async () => {
    const res = await stack.request<{ error: { details: { path: string }[] } }>('POST', '/contactexports', {
      exportType: 'csv',
      neutralizeFormulas: 'yes',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path)).toEqual(['neutralizeFormulas']);
  });

  it('when there is no header asked, then the first line is the first contact', async () => {
    const { bytes } = await exportFile({ exportType: 'csv', fields: ['channels.email.address'] });
    expect(bytes.toString('utf8').split('\n')[0]).toBe('c0@example.com');
  });

  it('when only lists are asked, then the columns are the email address and those lists', async () => {
    const { bytes } = await exportFile({
      exportType: 'csv',
      showHeader: true,
      lists: [8758, 'weekly_specials'],
    });
    const rows: string[][] = parse(bytes.toString('utf8'));
    expect(rows[0]).toEqual(['channels.email.address', '8758', 'weekly_specials']);
    expect(rows[1]).toEqual(['c0@example.com', '0', '1']);
  });

  it('when nothing is asked, then every field (system fields, then attributes in order) and every list by name', async () => {
    const { bytes } = await exportFile({ exportType: 'csv', showHeader: true });
    const header = bytes.toString('utf8').split('\n')[0];
    expect(header).toBe(
      'channels.email.address,channels.email.subscribeStatus,createdAt,lastModified,first_name,last_name,age,city,country,birthday,loyalty_points,vip,interests,address,last_purchase_at,monthly_newsletter,weekly_specials,vip_club,product_updates,events',
    );
  });

  it.each([
    ['ndjson', false],
    ['ndjson, gzip', true],
  ])(
    'when exported as %s, then each line is one flat object with the values JSON gives, served as NDJSON',
    async (_case, compress) => {
      const { job, bytes } = await exportFile({
        exportType: 'NDJSON',
        name: 'lines',
        fields,
        lists,
        compress,
      });
      expect(job.exportType).toBe('ndjson');
      expect(job.file?.name).toBe(compress ? 'lines.ndjson.gz' : 'lines.ndjson');
      const text = compress ? gunzip(bytes) : bytes.toString('utf8');
      expect(text.endsWith('}\n')).toBe(true);
      const lines = text.slice(0, -1).split('\n');
      expect(lines).toHaveLength(stored.length);
      expect(lines.map((line) => JSON.parse(line) as Doc)).toEqual(
        stored.map((doc) =>
          Object.fromEntries([
            ...fields.map((f) => [f, jsonValue(at(doc, f))]),
            ...lists.map((l) => [String(l), member(doc, l)]),
          ]),
        ),
      );
      const res = await fetch(`${stack.url}/jobs/${job.jobID}/download`, {
        method: 'HEAD',
        headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` },
      });
      expect(res.headers.get('content-type')).toBe(compress ? 'application/gzip' : 'application/x-ndjson');
    },
  );
});

describe('small and empty exports', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await seedStore(stack.db, { contacts: 0 });
    await stack.db
      .collection('audiences')
      .insertOne({ key: 'nobody', rule: { field: 'age', op: 'gt', value: 1000 } });
  });
  afterAll(() => stack?.stop());

  async function download(body: Record<string, unknown>): Promise<{ job: JobView; text: string }> {
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', body);
    const { job } = await waitForJob(stack, created.body.jobID);
    expect(job.status).toBe('Done');
    const res = await fetch(`${stack.url}/jobs/${job.jobID}/download`, {
      headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` },
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { job, text: body.compress ? gunzip(bytes) : bytes.toString('utf8') };
  }

  it.each<[string, Record<string, unknown>, string]>([
    [
      'CSV with a header',
      { exportType: 'csv', showHeader: true, fields: ['first_name', 'age'] },
      'first_name,age\n',
    ],
    ['CSV without a header', { exportType: 'csv', fields: ['first_name'] }, ''],
    [
      'gzip CSV with a header',
      { exportType: 'csv', showHeader: true, compress: true, fields: ['first_name'] },
      'first_name\n',
    ],
    ['JSON', { exportType: 'json' }, '[]\n'],
    ['gzip JSON', { exportType: 'json', compress: true }, '[]\n'],
    ['NDJSON', { exportType: 'ndjson' }, ''],
  ])('when there are no contacts, then %s is just the frame', async (_case, body, expected) => {
    const { job, text } = await download(body);
    expect(text).toBe(expected);
    expect(job).toMatchObject({ totalItems: 0, completedItems: 0, percent: 100 });
    expect(job.file?.rows).toBe(0);
  });

  it('when there is one contact, then CSV and JSON hold exactly it', async () => {
    await stack.db
      .collection('contacts')
      .insertOne({ channels: { email: { address: 'only@example.com' } }, first_name: 'Only', lists: [] });
    const csv = await download({
      exportType: 'csv',
      showHeader: true,
      fields: ['channels.email.address', 'first_name'],
    });
    expect(csv.text).toBe('channels.email.address,first_name\nonly@example.com,Only\n');
    const json = await download({ exportType: 'json', fields: ['first_name', 'age'], lists: ['vip_club'] });
    expect(json.text).toBe('[\n{"first_name":"Only","age":null,"vip_club":"0"}\n]\n');
  });

  it('when the audience matches nobody, then the file has only the header (CSV) or [] (JSON)', async () => {
    const csv = await download({
      exportType: 'csv',
      showHeader: true,
      fields: ['first_name'],
      'audience-key': 'nobody',
    });
    expect(csv.text).toBe('first_name\n');
    expect(csv.job.totalItems).toBe(0);
    const json = await download({ exportType: 'json', 'audience-key': 'nobody' });
    expect(JSON.parse(json.text)).toEqual([]);
  });
});
