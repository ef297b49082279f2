import fc from 'fast-check';
import { seedStore } from '../../src/seed/seed-store';
import { testConfig } from '../helpers/servers';
import { httpRequest, startTestStack, type HttpResult, type TestStack } from '../helpers/stack';

/** Runs per property; FUZZ_RUNS=20000 for a deeper run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
/** A mutated body took 6-12 ms here; room for a slow machine and for deep runs. */
const PROPERTY_TIMEOUT_MS = Math.max(120_000, RUNS * 2 * 40);

const validBodies: Record<string, unknown>[] = [
  { exportType: 'csv', showHeader: true },
  {
    exportType: 'json',
    name: 'fuzz-json',
    fields: ['first_name', 'channels.email.address'],
    lists: [8756, 'vip_club'],
    compress: 'true',
  },
  {
    exportType: 'CSV',
    'audience-key': '30_day_engaged',
    confirmEmail: 'ops@example.com',
    destination: { type: 'aws' },
  },
  {
    exportType: 'csv',
    destination: {
      type: 'ftp',
      server: 'ftp.example.com',
      port: '21',
      username: 'u',
      password: 'p',
      path: '/in',
    },
  },
  {
    exportType: 'csv',
    destination: { type: 'sftp', server: '198.51.100.7', port: 22, username: 'u', password: 'p' },
  },
  {
    exportType: 'csv',
    destination: {
      type: 's3',
      aws_access_key_id: 'AKIA',
      aws_secret_access_key: 'S',
      aws_bucket: 'bkt',
      aws_region: 'eu-west-1',
      path: 'f/x.csv',
    },
  },
  { exportType: 'json', destination: { type: 'gcs', gcs_bucket: 'bkt', path: '/exports' } },
];

const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc/passwd',
    '\u0000',
    '$where',
    '__proto__',
    'constructor',
    'toString',
    'NaN',
    '-1',
    '1e309',
    '0x10',
    'true',
    'CSV',
    'Sftp',
    '%00',
    '😀'.repeat(20),
  ),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  fc.constantFrom(null, true, false, 0, -1, 65536, 1.5, Number.MAX_SAFE_INTEGER),
);
const keyName = fc.oneof(
  nastyString,
  fc.constantFrom(
    'exportType',
    'name',
    'fields',
    'lists',
    'audience-key',
    'showHeader',
    'compress',
    'confirmEmail',
    'destination',
    'type',
    'port',
    'server',
    'path',
    'password',
    'savedKey',
    'showheader',
    '__proto__',
  ),
);

type Mutation = (body: Record<string, unknown>) => Record<string, unknown>;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(keyName, anyValue).map(([k, v]): Mutation => (b) => ({ ...b, [k]: v })),
  keyName.map(
    (k): Mutation =>
      (b) =>
        Object.fromEntries(Object.entries(b).filter(([key]) => key !== k)),
  ),
  fc.tuple(keyName, anyValue).map(([k, v]): Mutation => (b) => ({
    ...b,
    destination: { ...(typeof b.destination === 'object' ? b.destination : { type: 'sftp' }), [k]: v },
  })),
  anyValue.map((v): Mutation => (b) => ({ ...b, fields: [v, 'first_name'] })),
  anyValue.map((v): Mutation => (b) => ({ ...b, lists: [v] })),
  fc.nat({ max: 6 }).map((depth): Mutation => (b) => {
    let nested: unknown = b;
    for (let i = 0; i < depth * 10; i++) nested = { destination: nested };
    return nested as Record<string, unknown>;
  }),
);
const mutatedBody = fc
  .tuple(fc.constantFrom(...validBodies), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([body, ms]) => ms.reduce((b, m) => m(b), body));

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  '',
);
const rawBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
  fc.constantFrom('{', '[', 'null', '"x"', '1', '{"exportType":"csv"}garbage', '{"a":' + '['.repeat(5000)),
  fc.nat({ max: 1000 }).map((n) => `{"exportType":"csv","name":"${'a'.repeat(1_048_576 + n)}"}`),
);

function isHealthyAnswer(res: HttpResult): boolean {
  if (res.status < 200 || res.status >= 500) return false;
  if (res.status >= 400) {
    const body = res.body as { error?: { code?: unknown; message?: unknown } };
    return typeof body?.error?.code === 'string' && typeof body.error.message === 'string';
  }
  return true;
}

describe('the gateway under random and mutated input (fast-check)', () => {
  let stack: TestStack;
  const seen = new Map<number, number>();
  const check = (res: HttpResult): boolean => {
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    return isHealthyAnswer(res);
  };

  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      config: testConfig({ JOBS_RATE_LIMIT: '1000000', MAX_RUNNING_JOBS_PER_KEY: '1000000' }),
    });
    await seedStore(stack.db, { contacts: 5 });
  });
  afterAll(async () => {
    process.stderr.write(
      `gateway fuzz: statuses seen ${JSON.stringify(Object.fromEntries([...seen].sort()))}\n`,
    );
    await stack?.stop();
  });

  it(
    'when POST /contactexports gets arbitrary JSON, then it answers 2xx/4xx with a JSON error body',
    async () => {
      await fc.assert(
        fc.asyncProperty(anyValue, async (body) =>
          check(await stack.request('POST', '/contactexports', body)),
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'when valid bodies are mutated (types, keys, nesting, huge and hostile strings), then never a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedBody, fc.option(nastyString), async (body, idempotencyKey) => {
          const headers: Record<string, string> = {};
          if (idempotencyKey !== null)
            headers['idempotency-key'] = idempotencyKey.replace(/[^\x20-\x7e]/g, '').slice(0, 300) || 'k';
          return check(await stack.request('POST', '/contactexports', body, { headers }));
        }),
        { numRuns: RUNS * 2 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'when raw bytes arrive with any content type, on any write endpoint, then never a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          rawBody,
          contentType,
          fc.constantFrom('/contactexports', '/audiences/fuzz', '/sftpkeys'),
          async (raw, type, path) => {
            const method = path.startsWith('/audiences') ? 'PUT' : 'POST';
            const headers: Record<string, string> = type ? { 'content-type': type } : {};
            return check(await httpRequest(stack.url, method, path, undefined, { raw, headers }));
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'when audience rules are random, then never a 5xx',
    async () => {
      const ruleLike = fc.letrec((tie) => ({
        // Leaves first: at the depth limit fast-check falls back to the first arbitrary.
        rule: fc.oneof(
          { maxDepth: 4 },
          fc.record({
            field: keyName,
            op: fc.oneof(
              nastyString,
              fc.constantFrom('eq', 'ne', 'gt', 'in', 'exists', 'withinDays', 'inList'),
            ),
            value: anyValue,
          }),
          anyValue,
          fc.record({ all: fc.array(tie('rule'), { maxLength: 3 }) }),
          fc.record({ any: fc.array(tie('rule'), { maxLength: 3 }) }),
          fc.record({ not: tie('rule') }),
        ),
      }));
      await fc.assert(
        fc.asyncProperty(ruleLike.rule, async (rule) =>
          check(await stack.request('PUT', '/audiences/fuzz-rule', { rule })),
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('when the storm is over, then the gateway is healthy and serves a normal request', async () => {
    expect((await stack.request('GET', '/healthz', undefined, { apiKey: null })).status).toBe(200);
    const ok = await stack.request('POST', '/contactexports', { exportType: 'csv' });
    expect(ok.status).toBe(202);
    const statuses = [...seen.keys()];
    expect(statuses.every((s) => s < 500)).toBe(true);
    // The generators reach both sides: accepted jobs and each kind of refusal.
    expect(statuses).toEqual(expect.arrayContaining([202, 400, 413, 415, 422]));
  });
});
