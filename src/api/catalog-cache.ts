import type { Db } from 'mongodb';
import { getContactAttributes, type ContactAttribute } from '../store/attributes';
import { getAllLists, type ContactList } from '../store/lists';

export interface Catalog {
  readonly attributes: readonly ContactAttribute[];
  readonly lists: readonly ContactList[];
}

/**
 * The contact attributes and lists every POST /contactexports checks its fields and lists against,
 * read at most once per `ttlMs` and shared by concurrent requests (two store queries per request
 * were the largest cost of a submission we control). Writes to the catalog come from outside the
 * gateway, so the cache cannot be told of them: a request the cached catalog would refuse is
 * checked again against a fresh read (`fresh()`), so a field or list created a moment ago is
 * accepted at once. One deleted a moment ago may still be accepted; the job's planning step reads
 * the store again and fails the job naming it.
 */
export class CatalogCache {
  private value: { catalog: Catalog; at: number } | undefined;
  private inFlight: Promise<Catalog> | undefined;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Catalog> {
    if (this.value && this.now() - this.value.at <= this.ttlMs) return Promise.resolve(this.value.catalog);
    return this.fresh(false);
  }

  /** A read of the store now (joined with one already under way unless `force`). */
  fresh(force = true): Promise<Catalog> {
    if (this.inFlight && !force) return this.inFlight;
    const at = this.now();
    const read = Promise.all([getContactAttributes(this.db), getAllLists(this.db)])
      .then(([attributes, lists]) => {
        const catalog = { attributes, lists };
        if (!this.value || this.value.at <= at) this.value = { catalog, at };
        return catalog;
      })
      .finally(() => {
        if (this.inFlight === read) this.inFlight = undefined;
      });
    this.inFlight = read;
    return read;
  }
}
