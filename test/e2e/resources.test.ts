import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { utils } from 'ssh2';
import seedExamples from '../fixtures/seed-examples.json';
import { seedStore } from '../../src/seed/seed-store';
import { startTestStack, type TestStack } from '../helpers/stack';

// The official OpenAPI 3.1 document schema, as shipped by @seriousme/openapi-schema-validator (an ESM package).
const openApi31Schema = JSON.parse(
  readFileSync(require.resolve('@seriousme/openapi-schema-validator/schemas/v3.1/schema.json'), 'utf8'),
) as object;

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describe('the resources around exports', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    await seedStore(stack.db, { contacts: 5 });
  });
  afterAll(() => stack?.stop());

  describe('GET /lists and GET /contactattributes', () => {
    it('when asked, then lists have IDs and names, and attributes start with the system fields', async () => {
      const lists = await stack.request<{ lists: { id: number; name: string }[] }>('GET', '/lists');
      expect(lists.status).toBe(200);
      expect(lists.body.lists).toContainEqual({ id: 8756, name: 'monthly_newsletter' });
      const attributes = await stack.request<{
        attributes: { key: string; type: string; system: boolean }[];
      }>('GET', '/contactattributes');
      expect(attributes.body.attributes.slice(0, 4).map((a) => a.key)).toEqual([
        'channels.email.address',
        'channels.email.subscribeStatus',
        'createdAt',
        'lastModified',
      ]);
      expect(attributes.body.attributes).toContainEqual({
        key: 'birthday',
        name: 'Birthday',
        type: 'date',
        system: false,
      });
    });

    it('when no API key is sent, then 401', async () => {
      expect((await stack.request('GET', '/lists', undefined, { apiKey: null })).status).toBe(401);
    });
  });

  describe('/audiences/{key}', () => {
    const rule = {
      all: [
        { field: 'country', op: 'in', value: ['FR', 'DE'] },
        { any: [{ field: 'age', op: 'gte', value: 30 }, { not: { field: 'vip', op: 'eq', value: false } }] },
        { op: 'inList', value: 'vip_club' },
        { field: 'last_purchase_at', op: 'withinDays', value: 90 },
      ],
    };

    it('when an audience is created, read, replaced and deleted, then each step answers as REST says', async () => {
      const created = await stack.request<{ key: string; rule: unknown; createdAt: string }>(
        'PUT',
        '/audiences/eu-engaged',
        { rule },
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ key: 'eu-engaged', rule });
      const read = await stack.request<{ rule: unknown }>('GET', '/audiences/eu-engaged');
      expect(read.body.rule).toEqual(rule);
      const replaced = await stack.request('PUT', '/audiences/eu-engaged', {
        rule: { field: 'vip', op: 'eq', value: true },
      });
      expect(replaced.status).toBe(200);
      const listed = await stack.request<{ audiences: { key: string }[] }>('GET', '/audiences');
      expect(listed.body.audiences.map((a) => a.key)).toContain('eu-engaged');
      expect((await stack.request('DELETE', '/audiences/eu-engaged')).status).toBe(204);
      expect((await stack.request('GET', '/audiences/eu-engaged')).status).toBe(404);
      expect((await stack.request('DELETE', '/audiences/eu-engaged')).status).toBe(404);
    });

    it('when a saved audience is used by an export, then it is accepted', async () => {
      await stack.request('PUT', '/audiences/for-export', { rule: { field: 'vip', op: 'eq', value: true } });
      const res = await stack.request('POST', '/contactexports', {
        exportType: 'csv',
        'audience-key': 'for-export',
      });
      expect(res.status).toBe(202);
    });

    it.each<[string, unknown, string]>([
      ['a raw MongoDB operator', { rule: { $where: 'sleep(1000)' } }, 'rule.op'],
      ['an operator as a value', { rule: { field: 'age', op: 'eq', value: { $gt: 1 } } }, 'rule.value'],
      ['an unknown op', { rule: { field: 'age', op: 'regex', value: '.*' } }, 'rule.op'],
      ['a field with a $', { rule: { field: '$where', op: 'eq', value: 1 } }, 'rule.field'],
      ['an empty all', { rule: { all: [] } }, 'rule.all'],
      ['no rule', {}, 'rule'],
    ])('when the rule holds %s, then 400', async (_case, body, path) => {
      const res = await stack.request<ErrorBody>('PUT', '/audiences/bad', body);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d) => d.path)).toContain(path);
    });

    it.each<[string, unknown, string, RegExp]>([
      [
        'an unknown field',
        { field: 'shoe_size', op: 'gt', value: 40 },
        'rule.field',
        /unknown field "shoe_size"/,
      ],
      ['an unknown list', { op: 'inList', value: 'nope' }, 'rule.value', /unknown list "nope"/],
      [
        'a value of the wrong type',
        { field: 'age', op: 'gt', value: 'old' },
        'rule.value',
        /not a valid number/,
      ],
      [
        'withinDays on a non-date',
        { field: 'age', op: 'withinDays', value: 3 },
        'rule.op',
        /needs a date field/,
      ],
      ['a bad date', { field: 'birthday', op: 'lt', value: '1990-13-45' }, 'rule.value', /not a valid date/],
    ])('when the rule names %s, then 422', async (_case, rule, path, message) => {
      const res = await stack.request<ErrorBody>('PUT', '/audiences/bad', { rule });
      expect(res.status).toBe(422);
      expect(res.body.error.details).toContainEqual({ path, message: expect.stringMatching(message) });
    });

    it('when the key in the URL has a space, then 400', async () => {
      expect((await stack.request('GET', '/audiences/has%20space')).status).toBe(400);
    });
  });

  describe('/sftpkeys', () => {
    it('when a key is generated, then the OpenSSH public key comes back and the private key never leaves, sealed at rest', async () => {
      const created = await stack.request<{ name: string; publicKey: string; algorithm: string }>(
        'POST',
        '/sftpkeys',
        { name: 'acme-partner' },
      );
      expect(created.status).toBe(201);
      expect(created.body.publicKey).toMatch(
        /^ssh-ed25519 AAAA[0-9A-Za-z+/=]+ contact-exports:acme-partner$/,
      );
      const parsed = utils.parseKey(created.body.publicKey);
      expect(parsed instanceof Error).toBe(false);

      const listed = await stack.request<{ keys: Record<string, unknown>[] }>('GET', '/sftpkeys');
      expect(listed.body.keys.map((k) => k.name)).toContain('acme-partner');
      expect(JSON.stringify(listed.body)).not.toMatch(/PRIVATE KEY|sealed/i);

      const stored = await stack.db.collection('sftpkeys').findOne({ name: 'acme-partner' });
      expect(JSON.stringify(stored)).not.toContain('PRIVATE KEY');
      expect(String(stored?.sealedPrivateKey)).toMatch(/^sealed:v1:test:/);
    });

    it('when the name is taken, then 409; when it is invalid, then 400', async () => {
      await stack.request('POST', '/sftpkeys', { name: 'dup' });
      expect((await stack.request('POST', '/sftpkeys', { name: 'dup' })).status).toBe(409);
      expect((await stack.request('POST', '/sftpkeys', { name: 'no spaces please' })).status).toBe(400);
      expect((await stack.request('POST', '/sftpkeys', { name: 'ok', extra: 1 })).status).toBe(400);
    });

    it('when a key is deleted, then it is gone', async () => {
      await stack.request('POST', '/sftpkeys', { name: 'temp' });
      expect((await stack.request('DELETE', '/sftpkeys/temp')).status).toBe(204);
      expect((await stack.request('DELETE', '/sftpkeys/temp')).status).toBe(404);
    });
  });

  describe('/openapi.json and /docs', () => {
    let document: Record<string, unknown> & {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };

    beforeAll(async () => {
      const res = await stack.request<typeof document>('GET', '/openapi.json', undefined, { apiKey: null });
      expect(res.status).toBe(200);
      document = res.body;
    });

    it('when validated against the OpenAPI 3.1 schema, then it is valid and documents every endpoint', () => {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addFormat('media-range', true);
      const validate = ajv.compile(openApi31Schema);
      expect(validate(document) ? [] : validate.errors).toEqual([]);
      expect(Object.keys(document.paths).sort()).toEqual(
        [
          '/audiences',
          '/audiences/{key}',
          '/contactattributes',
          '/contactexports',
          '/exportschedules',
          '/exportschedules/{scheduleID}',
          '/exportschedules/{scheduleID}/pause',
          '/exportschedules/{scheduleID}/trigger',
          '/exportschedules/{scheduleID}/unpause',
          '/healthz',
          '/jobs',
          '/jobs/{jobID}',
          '/jobs/{jobID}/download',
          '/jobs/{jobID}/files/{name}',
          '/lists',
          '/pgpkeys',
          '/pgpkeys/{name}',
          '/readyz',
          '/sftphostkeys',
          '/sftpkeys',
          '/sftpkeys/{name}',
        ].sort(),
      );
    });

    it('when the published request schema judges real bodies, then it agrees with the gateway', async () => {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ $id: 'doc', components: document.components });
      const validate = ajv.compile({ $ref: 'doc#/components/schemas/ExportRequest' });
      const bodies: unknown[] = [
        ...seedExamples.examples,
        { exportType: 'csv', showheader: true },
        {
          exportType: 'csv',
          destination: { type: 'sftp', server: 'h', port: 22, username: 'u', password: 'p', extra: 1 },
        },
        {
          exportType: 'csv',
          destination: { type: 's3', aws_access_key_id: 'A', aws_bucket: 'bkt', aws_region: 'us-west-2' },
        },
        {
          exportType: 'csv',
          destination: { type: 'ftp', server: 'h', port: '21', username: 'u', password: 'p' },
        },
        { name: 'no-type' },
      ];
      for (const body of bodies) {
        const res = await stack.request('POST', '/contactexports', body);
        // 422 is semantic (the store), beyond what a schema can know: the schema must accept those.
        const gatewayAccepts = res.status === 202 || res.status === 422;
        expect({ body, schemaAccepts: validate(body) }).toEqual({ body, schemaAccepts: gatewayAccepts });
      }
    });

    it('when /docs is opened, then the interactive page is served from local assets', async () => {
      const page = await fetch(`${stack.url}/docs/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger-ui');
      const init = await fetch(`${stack.url}/docs/swagger-initializer.js`);
      expect(await init.text()).toContain("url: '/openapi.json'");
      const bundle = await fetch(`${stack.url}/docs/swagger-ui-bundle.js`);
      expect(bundle.status).toBe(200);
    });
  });
});
