import seedExamples from '../fixtures/seed-examples.json';
import { seedStore } from '../../src/seed/seed-store';
import { createApiKey, ownerIdFor } from '../../src/store/api-keys';
import { createSftpKey } from '../../src/store/sftp-keys';
import { OTHER_API_KEY, testConfig, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

/** The gateway alone (no worker): requests are validated and jobs start, nothing runs. */
describe('POST /contactexports: the request contract (SPEC section 2)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false, config: testConfig({ JOBS_RATE_LIMIT: '10000' }) });
    await seedStore(stack.db, { contacts: 10 });
    await createSftpKey(stack.db, stack.config.keyring, 'partner-key');
  });
  afterAll(() => stack?.stop());

  const post = (body: unknown, options?: Parameters<TestStack['request']>[3]) =>
    stack.request<ErrorBody & { jobID: string }>('POST', '/contactexports', body, options);

  describe('the seed examples', () => {
    it.each([0, 1, 3])('when example %i is posted, then it is accepted (202)', async (i) => {
      const res = await post(seedExamples.examples[i]);
      expect(res.status).toBe(202);
      expect(res.body.jobID).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('when example 2 lists a field as a list, then 422 says "first_name" is a field', async () => {
      const res = await post(seedExamples.examples[2]);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('unknown_reference');
      expect(res.body.error.details).toEqual([
        {
          path: 'lists.1',
          message: expect.stringContaining('"first_name" is a contact field: put it in "fields"'),
        },
      ]);
    });
  });

  describe('schema errors (400) name the field and the reason', () => {
    const sftp = { type: 'sftp', server: 'sftp.example.com', port: 22, username: 'u', password: 'p' };
    it.each<[string, unknown, string, RegExp]>([
      ['missing exportType', {}, 'exportType', /required/],
      ['unknown exportType', { exportType: 'xml' }, 'exportType', /csv, json/],
      ['name with a space', { exportType: 'csv', name: 'my export' }, 'name', /letters, digits and dashes/],
      ['name too long', { exportType: 'csv', name: 'a'.repeat(101) }, 'name', /1-100/],
      ['fields not an array', { exportType: 'csv', fields: 'first_name' }, 'fields', /array/],
      [
        'duplicate fields',
        { exportType: 'csv', fields: ['first_name', 'first_name'] },
        'fields.1',
        /duplicate field "first_name"/,
      ],
      ['negative list ID', { exportType: 'csv', lists: [-1] }, 'lists.0', /not negative/],
      ['list as an object', { exportType: 'csv', lists: [{}] }, 'lists.0', /list name or numeric list ID/],
      ['showHeader "yes"', { exportType: 'csv', showHeader: 'yes' }, 'showHeader', /true or false/],
      [
        'a lower-case key typo',
        { exportType: 'csv', showheader: true },
        'showheader',
        /did you mean "showHeader"/,
      ],
      ['a bad email', { exportType: 'csv', confirmEmail: 'not-an-email' }, 'confirmEmail', /email address/],
      [
        'a missing port',
        { exportType: 'csv', destination: { ...sftp, port: undefined } },
        'destination.port',
        /required/,
      ],
      ['port 0', { exportType: 'csv', destination: { ...sftp, port: '0' } }, 'destination.port', /1-65535/],
      [
        'port 70000',
        { exportType: 'csv', destination: { ...sftp, port: 70000 } },
        'destination.port',
        /1-65535/,
      ],
      [
        'port "ssh"',
        { exportType: 'csv', destination: { ...sftp, port: 'ssh' } },
        'destination.port',
        /port number/,
      ],
      [
        'password and savedKey',
        { exportType: 'csv', destination: { ...sftp, savedKey: 'k' } },
        'destination.savedKey',
        /exactly one/,
      ],
      [
        'neither password nor savedKey',
        { exportType: 'csv', destination: { ...sftp, password: undefined } },
        'destination.password',
        /exactly one/,
      ],
      [
        'an unknown destination type',
        { exportType: 'csv', destination: { type: 'dropbox' } },
        'destination.type',
        /aws, ftp, sftp, s3, gcs/,
      ],
      [
        'a ".." path',
        { exportType: 'csv', destination: { ...sftp, path: '/in/../../etc' } },
        'destination.path',
        /"\.\."/,
      ],
      [
        'a NUL in the path',
        { exportType: 'csv', destination: { ...sftp, path: '/in\u0000x' } },
        'destination.path',
        /control characters/,
      ],
      [
        'a URL as server',
        { exportType: 'csv', destination: { ...sftp, server: 'sftp://h:22/x' } },
        'destination.server',
        /host name or IP/,
      ],
      [
        'an unknown destination key',
        { exportType: 'csv', destination: { ...sftp, Password: 'x' } },
        'destination.Password',
        /unknown key/,
      ],
      [
        'S3 without secret',
        {
          exportType: 'csv',
          destination: { type: 's3', aws_access_key_id: 'A', aws_bucket: 'b1b', aws_region: 'us-west-2' },
        },
        'destination.aws_secret_access_key',
        /required/,
      ],
      [
        'a bad AWS region',
        {
          exportType: 'csv',
          destination: {
            type: 's3',
            aws_access_key_id: 'A',
            aws_secret_access_key: 'S',
            aws_bucket: 'bkt',
            aws_region: 'mars',
          },
        },
        'destination.aws_region',
        /AWS region/,
      ],
      [
        'GCS credentials in the request',
        { exportType: 'csv', destination: { type: 'gcs', gcs_bucket: 'bkt', credentials: '{}' } },
        'destination.credentials',
        /unknown key/,
      ],
      ['a body that is an array', [{ exportType: 'csv' }], '', /object/],
    ])('when %s, then 400 names it', async (_case, body, path, message) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      const detail = res.body.error.details.find((d) => d.path === path);
      expect(detail).toBeDefined();
      expect(detail?.message).toMatch(message);
      expect(res.body.error.message).toContain(path ? `${path}: ` : '');
    });

    it('when several things are wrong, then every one is reported', async () => {
      const res = await post({ exportType: 'pdf', name: 'a b', showHeader: 'maybe' });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d) => d.path).sort()).toEqual(['exportType', 'name', 'showHeader']);
    });
  });

  describe('accepted variants', () => {
    it.each<[string, unknown]>([
      [
        'enum values in any case',
        {
          exportType: 'JSON',
          destination: { type: 'SFTP', server: '203.0.113.5', port: '2222', username: 'u', password: 'p' },
        },
      ],
      ['booleans as strings', { exportType: 'csv', showHeader: 'TRUE', compress: 'false' }],
      ['list IDs as numbers and numeric strings', { exportType: 'csv', lists: [8756, '8757', 'vip_club'] }],
      [
        'a dotted path inside an object attribute',
        { exportType: 'csv', fields: ['address.city', 'channels.email.address'] },
      ],
      [
        'a saved SFTP key',
        {
          exportType: 'csv',
          destination: {
            type: 'sftp',
            server: 'h.example.com',
            port: 22,
            username: 'u',
            savedKey: 'partner-key',
          },
        },
      ],
      [
        'an IPv6 server',
        {
          exportType: 'csv',
          destination: { type: 'ftp', server: '2001:db8::1', port: 21, username: 'u', password: 'p' },
        },
      ],
    ])('when %s, then 202', async (_case, body) => {
      const res = await post(body);
      expect(res.status).toBe(202);
    });
  });

  describe('semantic errors (422) name each unknown reference', () => {
    it('when fields, lists, audience and saved key are unknown, then all are listed', async () => {
      const res = await post({
        exportType: 'csv',
        fields: ['first_name', 'favourite_colour'],
        lists: ['monthly_newsletter', 'no_such_list', 99999],
        'audience-key': 'nobody',
        destination: {
          type: 'sftp',
          server: 'h.example.com',
          port: 22,
          username: 'u',
          savedKey: 'missing-key',
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.details.map((d) => d.path)).toEqual([
        'fields.1',
        'lists.1',
        'lists.2',
        'audience-key',
        'destination.savedKey',
      ]);
      expect(res.body.error.message).toContain('favourite_colour');
      expect(res.body.error.message).toContain('POST /sftpkeys');
    });

    it('when a list and an attribute are created a moment after a refusal, then the next request is accepted (the catalog cache re-reads before refusing)', async () => {
      const body = { exportType: 'csv', fields: ['shoe_size'], lists: ['spring_sale'] };
      expect((await post(body)).status).toBe(422);
      await stack.db.collection('lists').insertOne({ id: 97_001, name: 'spring_sale' });
      await stack.db
        .collection('contactattributes')
        .insertOne({ key: 'shoe_size', name: 'Shoe size', type: 'number', position: 98 });
      try {
        expect((await post(body)).status).toBe(202);
      } finally {
        await stack.db.collection('lists').deleteOne({ id: 97_001 });
        await stack.db.collection('contactattributes').deleteOne({ key: 'shoe_size' });
      }
    });
  });

  describe('transport errors', () => {
    it('when the body is not JSON, then 415', async () => {
      const res = await post(undefined, {
        raw: 'exportType=csv',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    });

    it('when the JSON is malformed, then 400 invalid_json', async () => {
      const res = await post(undefined, {
        raw: '{"exportType": "csv",',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_json');
    });

    it('when the body is over 1 MB, then 413', async () => {
      const res = await post({ exportType: 'csv', name: 'x', fields: ['a'.repeat(1_100_000)] });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
    });

    it('when the route does not exist, then 404 in JSON', async () => {
      const res = await stack.request<ErrorBody>('GET', '/nope');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });
  });

  describe('authentication (HTTP Basic, API key as user name)', () => {
    it('when no key is sent, then 401 with a WWW-Authenticate challenge', async () => {
      const res = await post({ exportType: 'csv' }, { apiKey: null });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Basic');
      expect(res.body.error.code).toBe('unauthorized');
    });

    it.each([
      ['an unknown key', 'Basic ' + Buffer.from('nope:').toString('base64')],
      ['a Bearer token', 'Bearer abc'],
      ['garbage', 'Basic %%%'],
    ])('when %s is sent, then 401', async (_case, header) => {
      const res = await post({ exportType: 'csv' }, { apiKey: null, headers: { authorization: header } });
      expect(res.status).toBe(401);
    });

    it('when a key stored (hashed) in MongoDB is used, then it is accepted', async () => {
      const { key } = await createApiKey(stack.db, 'ci');
      const stored = await stack.db.collection('apikeys').findOne({ name: 'ci' });
      expect(JSON.stringify(stored)).not.toContain(key);
      const res = await post({ exportType: 'csv' }, { apiKey: key });
      expect(res.status).toBe(202);
    });
  });

  describe('Idempotency-Key', () => {
    const body = { exportType: 'csv', name: 'nightly-partner-export' };

    it('when a POST is retried with the same key and body, then the same job is returned and nothing new starts', async () => {
      const first = await post(body, { headers: { 'idempotency-key': 'nightly-2026-11-27' } });
      expect(first.status).toBe(202);
      const handle = stack.client.workflow.getHandle(`contactexport-${first.body.jobID}`);
      const runBefore = (await handle.describe()).runId;

      const retries = await Promise.all(
        [1, 2, 3, 4].map(() => post(body, { headers: { 'idempotency-key': 'nightly-2026-11-27' } })),
      );
      for (const retry of retries) {
        expect(retry.status).toBe(202);
        expect(retry.body.jobID).toBe(first.body.jobID);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
      }
      expect((await handle.describe()).runId).toBe(runBefore);
    });

    it('when the same key comes with a different body, then 409', async () => {
      await post(body, { headers: { 'idempotency-key': 'key-conflict' } });
      const res = await post(
        { ...body, showHeader: true },
        { headers: { 'idempotency-key': 'key-conflict' } },
      );
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('different request body');
    });

    it('when concurrent first POSTs race with one key, then they all get one job', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map(() => post(body, { headers: { 'idempotency-key': 'race' } })),
      );
      expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
      expect(new Set(results.map((r) => r.body.jobID)).size).toBe(1);
      expect(results.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    });

    it('when the job has already ended, then a retry still returns it and starts nothing', async () => {
      const first = await post(body, { headers: { 'idempotency-key': 'ended' } });
      await stack.client.workflow.getHandle(`contactexport-${first.body.jobID}`).terminate('test');
      const again = await post(body, { headers: { 'idempotency-key': 'ended' } });
      expect(again.status).toBe(202);
      expect(again.body.jobID).toBe(first.body.jobID);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    });

    it('when another API key uses the same Idempotency-Key, then it gets its own job', async () => {
      const mine = await post(body, { headers: { 'idempotency-key': 'shared-name' } });
      const theirs = await post(body, {
        apiKey: OTHER_API_KEY,
        headers: { 'idempotency-key': 'shared-name' },
      });
      expect(theirs.status).toBe(202);
      expect(theirs.body.jobID).not.toBe(mine.body.jobID);
    });

    it('when the Idempotency-Key has spaces, then 400 names the header', async () => {
      const res = await post(body, { headers: { 'idempotency-key': 'has spaces' } });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]?.path).toBe('Idempotency-Key');
    });
  });
});

describe('rate limiting', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false, config: testConfig({ JOBS_RATE_LIMIT: '3' }) });
  });
  afterAll(() => stack?.stop());

  it('when an API key creates more jobs than allowed per minute, then 429 with Retry-After, and other keys are unaffected', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestStack['request']>> | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await stack.request('POST', '/contactexports', { exportType: 'csv' });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((limited?.body as ErrorBody).error.code).toBe('rate_limited');
    const other = await stack.request(
      'POST',
      '/contactexports',
      { exportType: 'csv' },
      { apiKey: OTHER_API_KEY },
    );
    expect(other.status).toBe(202);
  });
});

describe('a cap on running jobs per API key', () => {
  // Its own API key: every test file shares one Temporal server, and the cap counts per key.
  const capKey = `cap-${uniqueId()}`;
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      config: testConfig({ API_KEYS: capKey, MAX_RUNNING_JOBS_PER_KEY: '2' }),
    });
  });
  afterAll(() => stack?.stop());

  it('when the key already has the maximum running, then 429 until one ends', async () => {
    const create = () =>
      stack.request<ErrorBody & { jobID: string }>(
        'POST',
        '/contactexports',
        { exportType: 'csv' },
        { apiKey: capKey },
      );
    const first = await create();
    expect(first.status).toBe(202);
    expect((await create()).status).toBe(202);
    // Visibility is eventually consistent: wait until it counts both running jobs.
    const owner = ownerIdFor(capKey);
    const running = async () =>
      (await stack.client.workflow.count(`ExportOwner = "${owner}" AND ExecutionStatus = "Running"`)).count;
    for (let i = 0; i < 50 && (await running()) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const refused = await create();
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toContain('export jobs running');

    await stack.client.workflow.getHandle(`contactexport-${first.body.jobID}`).terminate('test');
    for (let i = 0; i < 50 && (await running()) > 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await create()).status).toBe(202);
  });
});
