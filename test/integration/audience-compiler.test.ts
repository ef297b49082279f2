import fc from 'fast-check';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import {
  compileAudience,
  evaluateAudience,
  fieldTypesOf,
  type AudienceRule,
  type Condition,
} from '../../src/export/audience';
import { demoAttributes } from '../../src/seed/demo-data';
import { testServers, uniqueId } from '../helpers/servers';

const asOf = new Date('2026-06-15T12:00:00Z');
const fieldTypes = fieldTypesOf(demoAttributes);
const DAY = 86_400_000;

// Small value domains so random rules and random contacts actually meet.
const cities = ['Paris', 'Rome', 'paris', 'Zürich', '', 'Ωmega'];
const dates = [-400, -40, -10, -1, 0, 5].map((d) => new Date(asOf.getTime() + d * DAY));
const city = fc.constantFrom(...cities);
const age = fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom(17.5, 30.25));
const date = fc.constantFrom(...dates);
const lists = ['monthly_newsletter', 'vip_club', 'events'];

/** A value of the field's type, or missing, null, an array of them, or a value of another type. */
function fieldValue<T>(typed: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: typed },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.array(typed, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.oneof(city, age, fc.boolean(), date) },
  );
}

const contact = fc.record({
  city: fieldValue(city),
  age: fieldValue(age),
  vip: fieldValue(fc.boolean()),
  birthday: fieldValue(date),
  last_purchase_at: fieldValue(date),
  address: fc.option(fc.record({ city: fieldValue(city) }), { nil: undefined }),
  lists: fc.subarray(lists),
});

const valueFor: Record<string, fc.Arbitrary<string | number | boolean>> = {
  city,
  age,
  vip: fc.boolean(),
  birthday: date.map((d) => d.toISOString()),
  last_purchase_at: date.map((d) => d.toISOString()),
  'address.city': city,
};
const comparable = Object.keys(valueFor);

const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.constantFrom(...comparable).chain((field) =>
    fc.record({
      field: fc.constant(field),
      op: fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte' as const),
      value: valueFor[field],
    }),
  ),
  fc.constantFrom(...comparable).chain((field) =>
    fc.record({
      field: fc.constant(field),
      op: fc.constant('in' as const),
      value: fc.array(valueFor[field], { minLength: 1, maxLength: 3 }),
    }),
  ),
  fc.record({
    field: fc.constantFrom(...comparable, 'address', 'interests'),
    op: fc.constant('exists' as const),
    value: fc.boolean(),
  }),
  fc.record({
    field: fc.constantFrom('birthday', 'last_purchase_at'),
    op: fc.constant('withinDays' as const),
    value: fc.constantFrom(0, 1, 7, 30, 365),
  }),
  fc.record({ op: fc.constant('inList' as const), value: fc.constantFrom(...lists, 'nobody') }),
);

const rule: fc.Arbitrary<AudienceRule> = fc.letrec<{ rule: AudienceRule }>((tie) => ({
  rule: fc.oneof(
    { maxDepth: 3 },
    condition,
    fc.record({ all: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ),
})).rule;

describe('audience rules: the compiled MongoDB filter and an in-memory evaluation agree', () => {
  let client: MongoClient;
  let db: Db;
  let stored: Record<string, unknown>[];

  beforeAll(async () => {
    client = await MongoClient.connect(`${testServers().mongoUri}/${uniqueId('aud')}`);
    db = client.db();
    const docs = fc.sample(contact, { numRuns: 300, seed: 7 }).map((c) => ({ _id: new ObjectId(), ...c }));
    await db.collection('contacts').insertMany(docs);
    stored = await db.collection('contacts').find({}).toArray();
  });
  afterAll(() => client?.close());

  it('when random rules run against random contacts in the real store, then both select the same contacts', async () => {
    const selected: number[] = [];
    await fc.assert(
      fc.asyncProperty(rule, async (r) => {
        const ctx = { asOf, fieldTypes };
        const fromDb = await db
          .collection('contacts')
          .find(compileAudience(r, ctx), { projection: { _id: 1 } })
          .toArray();
        const inMemory = stored.filter((doc) => evaluateAudience(r, doc, ctx));
        selected.push(inMemory.length);
        expect(fromDb.map((d) => String(d._id)).sort()).toEqual(inMemory.map((d) => String(d._id)).sort());
      }),
      {
        numRuns: Number(process.env.AUDIENCE_RUNS ?? 300),
        seed: process.env.AUDIENCE_SEED ? Number(process.env.AUDIENCE_SEED) : undefined,
      },
    );
    // Not vacuous: most rules pick some contacts but not all of them.
    const partial = selected.filter((n) => n > 0 && n < stored.length).length;
    expect(partial / selected.length).toBeGreaterThan(0.5);
  });
});
