import type { Db } from 'mongodb';
import { collections } from './mongo';

/** A contact list. Contacts name the lists they belong to in their `lists` array. */
export interface ContactList {
  readonly id: number;
  readonly name: string;
}

export async function getAllLists(db: Db): Promise<ContactList[]> {
  const docs = await db
    .collection<ContactList>(collections.lists)
    .find({}, { projection: { _id: 0, id: 1, name: 1 } })
    .toArray();
  return docs.map((d) => ({ id: d.id, name: d.name })).sort((a, b) => a.id - b.id);
}
