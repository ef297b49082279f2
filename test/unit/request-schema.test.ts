import { exportRequestSchema } from '../../src/api/schemas/export-request';
import { toJsonValue } from '../../src/export/values';
import { audienceRuleProblems } from '../../src/export/audience';
import { demoAttributes, demoLists } from '../../src/seed/demo-data';

// Found by the gateway fuzz (seed 313213691): destination.type "__proto__" reached
// Object.prototype instead of a schema and answered 500.
describe('request schema against prototype-named keys', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'when destination.type is %j, then it is refused naming destination.type',
    (type) => {
      const parsed = exportRequestSchema.safeParse({ exportType: 'csv', destination: { type } });
      expect(parsed.success).toBe(false);
      const issues = parsed.error?.issues ?? [];
      expect(issues).toEqual([
        expect.objectContaining({
          path: ['destination', 'type'],
          message: expect.stringContaining('expected one of'),
        }),
      ]);
    },
  );

  it('when destination.type is a known type in any case, then it is accepted', () => {
    const parsed = exportRequestSchema.safeParse({
      exportType: 'csv',
      destination: { type: 'GCS', gcs_bucket: 'partner-drop' },
    });
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.success).toBe(true);
    expect(parsed.data?.destination).toEqual({ type: 'gcs', gcs_bucket: 'partner-drop', path: '' });
  });

  it('when a stored contact has a key named __proto__, then JSON output keeps it as data', () => {
    const doc = JSON.parse('{"__proto__":{"polluted":1},"a":2}') as Record<string, unknown>;
    const out = toJsonValue(doc) as Record<string, unknown>;
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":1},"a":2}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('audience rules against prototype-named fields', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'when a rule names field %j, then it is an unknown field',
    (field) => {
      const problems = audienceRuleProblems({ field, op: 'exists', value: true }, demoAttributes, demoLists);
      expect(problems).toEqual([{ path: 'rule.field', message: `unknown field "${field}"` }]);
    },
  );
});
