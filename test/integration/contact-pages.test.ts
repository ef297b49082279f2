import { MongoClient, ObjectId, type Db } from 'mongodb';
import { contactPages, serializeId } from '../../src/store/contacts';
import { UnsupportedContactError } from '../../src/errors';
import { connectContactStore } from '../../src/store/mongo';
import { testServers, uniqueId } from '../helpers/servers';

/**
 * Range operators only match ids of their own BSON type (type bracketing): a resumed or partitioned
 * cursor must still see contacts whose `_id` is of another type, or they would go missing.
 */
describe('contactPages over contacts whose _ids are of several types', () => {
  let client: MongoClient;
  let db: Db;
  const first = new ObjectId('650000000000000000000001');
  const second = new ObjectId('650000000000000000000002');
  const ids: unknown[] = [5, 7.5, 'abc', first, second, true];

  beforeAll(async () => {
    client = await MongoClient.connect(`${testServers().mongoUri}/${uniqueId('pages')}`);
    db = client.db();
    await db.collection<{ _id: unknown }>('contacts').insertMany(ids.map((_id) => ({ _id })));
  });
  afterAll(() => client?.close());

  async function idsOf(options: {
    afterId?: unknown;
    fromId?: unknown;
    beforeId?: unknown;
  }): Promise<unknown[]> {
    const seen: unknown[] = [];
    for await (const page of contactPages(db, {
      filter: {},
      projection: {},
      afterId: options.afterId ?? null,
      fromId: options.fromId,
      beforeId: options.beforeId,
      batchSize: 2,
    }))
      seen.push(...page.map((doc) => doc._id as unknown));
    return seen;
  }

  it('when resuming after a number, then strings, ObjectIds and later types still come, in _id order', async () => {
    expect(await idsOf({ afterId: 5 })).toEqual([7.5, 'abc', first, second, true]);
  });

  it('when a partition is bounded by ObjectIds, then the first takes every type before and the last every type after', async () => {
    expect(await idsOf({ beforeId: second })).toEqual([5, 7.5, 'abc', first]);
    expect(await idsOf({ fromId: second })).toEqual([second, true]);
  });

  it('when an _id cannot be checkpointed, then serializing it fails loudly as unsupported', () => {
    expect(() => serializeId(true)).toThrow(UnsupportedContactError);
    expect(serializeId(first)).toEqual({ type: 'objectId', value: first.toHexString() });
  });

  it('when MONGODB_URI asks to read from secondaries, then the driver takes it and the export reads pages', async () => {
    const uri = `${testServers().mongoUri}/${db.databaseName}?readPreference=secondaryPreferred`;
    const store = await connectContactStore(uri);
    try {
      expect(store.client.readPreference.mode).toBe('secondaryPreferred');
      let seen = 0;
      for await (const page of contactPages(store.db, {
        filter: {},
        projection: {},
        afterId: null,
        batchSize: 2,
      }))
        seen += page.length;
      expect(seen).toBe(ids.length);
    } finally {
      await store.close();
    }
  });
});
