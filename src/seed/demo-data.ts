import type { ContactAttribute } from '../store/attributes';
import type { ContactList } from '../store/lists';
import type { AudienceRule } from '../export/audience';

/** A small deterministic PRNG (mulberry32), so demo data is the same on every machine. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const demoAttributes: ContactAttribute[] = [
  { key: 'first_name', name: 'First name', type: 'string' },
  { key: 'last_name', name: 'Last name', type: 'string' },
  { key: 'age', name: 'Age', type: 'number' },
  { key: 'city', name: 'City', type: 'string' },
  { key: 'country', name: 'Country', type: 'string' },
  { key: 'birthday', name: 'Birthday', type: 'date' },
  { key: 'loyalty_points', name: 'Loyalty points', type: 'number' },
  { key: 'vip', name: 'VIP', type: 'boolean' },
  { key: 'interests', name: 'Interests', type: 'array' },
  { key: 'address', name: 'Postal address', type: 'object' },
  { key: 'last_purchase_at', name: 'Last purchase', type: 'date' },
];

export const demoLists: ContactList[] = [
  { id: 8756, name: 'monthly_newsletter' },
  { id: 8757, name: 'weekly_specials' },
  { id: 8758, name: 'vip_club' },
  { id: 8759, name: 'product_updates' },
  { id: 8760, name: 'events' },
];

export const demoAudiences: { key: string; rule: AudienceRule }[] = [
  {
    key: '30_day_engaged',
    rule: {
      all: [
        { field: 'channels.email.subscribeStatus', op: 'eq', value: 'subscribed' },
        { field: 'last_purchase_at', op: 'withinDays', value: 30 },
      ],
    },
  },
  {
    key: 'engaged-march',
    rule: {
      all: [
        { field: 'last_purchase_at', op: 'gte', value: '2026-03-01T00:00:00Z' },
        { field: 'last_purchase_at', op: 'lt', value: '2026-04-01T00:00:00Z' },
      ],
    },
  },
  {
    key: 'vip-europe',
    rule: {
      all: [
        { field: 'vip', op: 'eq', value: true },
        { field: 'country', op: 'in', value: ['FR', 'DE', 'ES', 'IT'] },
      ],
    },
  },
];

const firstNames = [
  'Ana',
  'Bob',
  'Chloé',
  'Dmitri',
  'Émile',
  'Fatima',
  'Grace',
  'Hiro',
  'Ingrid',
  'José',
  'Kwame',
  'Léa',
  'Mei',
  'Noah',
  'Olga',
  'Priya',
  'Quentin',
  'Rosa',
  'Søren',
  'Tomás',
  'Юлия',
  '美咲',
  'Zoë',
];
const lastNames = [
  'Smith',
  "O'Brien",
  'García',
  'Müller',
  'Dupont',
  'Nguyen',
  'Kowalski',
  'Rossi',
  'Sato',
  'Okafor',
  'Andersson',
  'Иванова',
  '田中',
  'Van der Berg',
  'Lee, Jr.',
];
const cities: [string, string][] = [
  ['Paris', 'FR'],
  ['Berlin', 'DE'],
  ['Madrid', 'ES'],
  ['Rome', 'IT'],
  ['New York', 'US'],
  ['Tokyo', 'JP'],
  ['Lagos', 'NG'],
  ['São Paulo', 'BR'],
  ['Kraków', 'PL'],
  ['Montréal', 'CA'],
];
const interests = ['running', 'cooking', 'jazz', 'travel', 'books', 'gaming', 'gardening', 'film'];
const statuses = ['subscribed', 'subscribed', 'subscribed', 'unsubscribed', 'none'];

const DAY = 86_400_000;

function emailLocalPart(first: string, last: string): string {
  const ascii = (s: string): string =>
    s
      .normalize('NFD')
      .replace(/[^A-Za-z0-9]/g, '')
      .toLowerCase();
  return [ascii(first), ascii(last)].filter(Boolean).join('.') || 'contact';
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Contact `index` of the demo set: varied types, missing values, and text that needs CSV quoting. */
export function demoContact(index: number, rand: () => number, now: number): Record<string, unknown> {
  const first = pick(rand, firstNames);
  const last = pick(rand, lastNames);
  const [city, country] = pick(rand, cities);
  const createdAt = new Date(now - Math.floor(rand() * 3 * 365 * DAY));
  const contact: Record<string, unknown> = {
    channels: {
      email: {
        address: `${emailLocalPart(first, last)}.${index}@example.com`,
        subscribeStatus: pick(rand, statuses),
      },
    },
    first_name: first,
    last_name: last,
    city,
    country,
    createdAt,
    lastModified: new Date(createdAt.getTime() + Math.floor(rand() * (now - createdAt.getTime()))),
    lists: demoLists.filter(() => rand() < 0.4).map((l) => l.name),
  };
  if (rand() < 0.9) contact.age = 18 + Math.floor(rand() * 70);
  if (rand() < 0.7)
    contact.birthday = new Date(
      Date.UTC(1950 + Math.floor(rand() * 55), Math.floor(rand() * 12), 1 + Math.floor(rand() * 28)),
    );
  contact.loyalty_points = Math.round(rand() * 100_000) / 10;
  contact.vip = rand() < 0.1;
  contact.interests = interests.filter(() => rand() < 0.25);
  if (rand() < 0.8)
    contact.address = {
      street: `${1 + Math.floor(rand() * 200)} "Main" Street, Apt ${Math.floor(rand() * 50)}`,
      city,
      zip: String(10000 + Math.floor(rand() * 89999)),
    };
  if (rand() < 0.6) contact.last_purchase_at = new Date(now - Math.floor(rand() * 120 * DAY));
  return contact;
}
