import { Long, MongoClient, ObjectId, type CommandSucceededEvent, type Db } from 'mongodb';
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

  it('when the cursor is killed while a batch is on its way, then every contact still comes once, in _id order', async () => {
    const outcomes: string[] = [];
    for (let trial = 0; trial < 4; trial++) {
      const name = uniqueId('killed');
      const watched = await MongoClient.connect(`${testServers().mongoUri}/${name}`, {
        monitorCommands: true,
      });
      const cursorIds: Long[] = [];
      watched.on('commandSucceeded', (event: CommandSucceededEvent) => {
        const id = (event.reply as { cursor?: { id?: Long | number } }).cursor?.id;
        if (event.commandName === 'find' && id) cursorIds.push(Long.fromValue(id));
      });
      const all = Array.from({ length: 3000 }, (_, i) => i);
      await watched
        .db()
        .collection<{ _id: number }>('contacts')
        .insertMany(all.map((_id) => ({ _id })));
      const seen: unknown[] = [];
      let reopened = 0;
      try {
        for await (const page of contactPages(watched.db(), {
          filter: {},
          projection: {},
          afterId: null,
          batchSize: 500,
          onEarlyEnd: () => reopened++,
        })) {
          seen.push(...page.map((doc) => doc._id as unknown));
          // Not awaited: the kill races the next getMore, as a server-side timeout would.
          if (seen.length === 500)
            void watched
              .db()
              .command({ killCursors: 'contacts', cursors: [cursorIds[0]] })
              .catch(() => undefined);
        }
        // Whatever the server said, the pages hold every contact exactly once, in order.
        expect(seen).toEqual(all);
        outcomes.push(reopened > 0 ? 'ended quietly, continued' : 'not killed in time');
      } catch (err) {
        // MongoDB's answer (and FerretDB's, most of the time): CursorNotFound; the export's retry
        // resumes from its checkpoint.
        expect(String(err)).toMatch(/cursor/i);
        outcomes.push('CursorNotFound');
      } finally {
        await watched.close();
      }
    }
    process.stderr.write(`killed cursors: ${outcomes.join('; ')}\n`);
  });
});
