import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BSON } from 'mongodb';
import type { Column } from '../src/export/columns';
import { exportToFile } from '../src/export/export-to-file';
import { createRowFormatter } from '../src/export/formats';
import { MAX_SPLIT_FILES, splitLimits } from '../src/export/split';

/**
 * The formatting pipeline alone: in-memory contacts of 12 columns, as raw BSON (what the driver
 * hands the export) → CSV → gzip → file, through the same exportToFile the exports use; with
 * `--objects`, decoded contacts through the object path instead; with `--max-rows` / `--max-mb`,
 * split into files as maxRowsPerFile / maxFileSizeMB do. Run pinned to one core by bench.ts
 * (taskset); prints one JSON line.
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    page: { type: 'string', default: '2000' },
    'gzip-level': { type: 'string', default: '1' },
    objects: { type: 'boolean', default: false },
    'max-rows': { type: 'string' },
    'max-mb': { type: 'string' },
  },
});
const rows = Number(values.rows);
const pageSize = Number(values.page);
const limits = splitLimits({
  maxRowsPerFile: values['max-rows'] === undefined ? undefined : Number(values['max-rows']),
  maxFileSizeMB: values['max-mb'] === undefined ? undefined : Number(values['max-mb']),
});

const columns: Column[] = [
  'channels.email.address',
  'channels.email.subscribeStatus',
  'createdAt',
  'first_name',
  'last_name',
  'age',
  'city',
  'country',
  'loyalty_points',
  'vip',
  'address',
].map((key): Column => ({ kind: 'field', header: key, path: key }));
columns.push({ kind: 'list', header: 'vip_club', listName: 'vip_club' });

const cities = ['Paris', 'Berlin', 'São Paulo', 'New York', 'Kraków', 'Tokyo'];
function page(start: number): Record<string, unknown>[] {
  return Array.from({ length: pageSize }, (_, j) => {
    const i = start + j;
    return {
      _id: i,
      channels: {
        email: {
          address: `contact.${i}@example.com`,
          subscribeStatus: i % 3 ? 'subscribed' : 'unsubscribed',
        },
      },
      createdAt: new Date(1_700_000_000_000 + i * 1000),
      first_name: `First${i % 977}`,
      last_name: i % 7 ? `Last, "${i % 131}"` : `Smith`,
      age: 18 + (i % 70),
      city: cities[i % cities.length],
      country: 'FR',
      loyalty_points: (i % 10_000) / 10,
      vip: i % 10 === 0,
      address: i % 5 ? { street: `${i % 200} Main St`, zip: String(10000 + (i % 89999)) } : null,
      lists: i % 4 ? ['monthly_newsletter'] : ['vip_club'],
    };
  });
}

// In memory before the clock starts: 50 distinct pages, cycled.
const pages = Array.from({ length: 50 }, (_, i) => page(i * pageSize));
const rawPages = pages.map((docs) => ({
  raw: docs.map((doc) => BSON.serialize(doc)),
  lastId: docs[docs.length - 1]?._id,
}));

async function run(compress: boolean): Promise<{ perSecond: number; files: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fmt-bench-'));
  const started = process.hrtime.bigint();
  const result = await exportToFile({
    filePath: path.join(dir, 'out'),
    split: limits && { ...limits, filePath: (n) => path.join(dir, `out.f${n}`), maxFiles: MAX_SPLIT_FILES },
    formatter: createRowFormatter('csv', columns, { showHeader: true }),
    compress,
    gzipLevel: Number(values['gzip-level']),
    pages: () => ({
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < rows / pageSize; i++)
          yield await Promise.resolve(
            values.objects
              ? (pages[i % pages.length] ?? [])
              : (rawPages[i % rawPages.length] ?? { raw: [], lastId: null }),
          );
      },
    }),
    onCheckpoint: () => undefined,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  return { perSecond: Math.round(rows / seconds), files: result.files?.length ?? 1 };
}

async function main(): Promise<void> {
  await run(true); // warm-up
  const gzip = await run(true);
  const plain = await run(false);
  process.stdout.write(
    `${JSON.stringify({
      rows,
      fmt_gzip_per_s: gzip.perSecond,
      fmt_plain_per_s: plain.perSecond,
      ...(limits ? { files_gzip: gzip.files, files_plain: plain.files } : {}),
    })}\n`,
  );
}

void main();
