import { BSON } from 'mongodb';
import type { RawPage } from '../../src/export/export-to-file';

type Doc = Record<string, unknown>;

/**
 * What the contact store gives an export (src/store/contacts.ts), without a store: pages of `docs`
 * after `afterId`, `size` at a time, decoded or as raw BSON; throws "worker killed" when the
 * `crashAt`-th page is asked for.
 */
export function pager(docs: Doc[], size: number, crashAt?: number, raw = false) {
  return (afterId: unknown) => ({
    async *[Symbol.asyncIterator](): AsyncGenerator<Doc[] | RawPage> {
      const start = afterId === null ? 0 : docs.findIndex((d) => d._id === afterId) + 1;
      let served = 0;
      for (let i = start; i < docs.length; i += size) {
        if (crashAt !== undefined && served === crashAt) throw new Error('worker killed');
        served++;
        await Promise.resolve();
        const page = docs.slice(i, i + size);
        yield raw ? { raw: page.map((d) => BSON.serialize(d)), lastId: page[page.length - 1]?._id } : page;
      }
    },
  });
}
