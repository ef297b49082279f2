import type { Db } from 'mongodb';
import { collections } from './mongo';

export type AttributeType = 'string' | 'number' | 'boolean' | 'date' | 'array' | 'object';

/** A contact attribute definition: the schema of the custom fields contacts may carry. */
export interface ContactAttribute {
  readonly key: string;
  readonly name: string;
  readonly type: AttributeType;
}

/** The fields every contact has, in the order "all fields" exports them (SPEC section 5). */
export const systemFields: readonly ContactAttribute[] = [
  { key: 'channels.email.address', name: 'Email address', type: 'string' },
  { key: 'channels.email.subscribeStatus', name: 'Email subscribe status', type: 'string' },
  { key: 'createdAt', name: 'Created at', type: 'date' },
  { key: 'lastModified', name: 'Last modified', type: 'date' },
];

interface AttributeDoc extends ContactAttribute {
  readonly position: number;
}

/** Custom attributes in their defined order (`position`, then insertion). */
export async function getContactAttributes(db: Db): Promise<ContactAttribute[]> {
  const docs = await db.collection<AttributeDoc>(collections.attributes).find({}).toArray();
  return docs
    .map((d, i) => ({ doc: d, i }))
    .sort((a, b) => (a.doc.position ?? a.i) - (b.doc.position ?? b.i) || a.i - b.i)
    .map(({ doc }) => ({ key: doc.key, name: doc.name, type: doc.type }));
}
