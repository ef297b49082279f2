import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { exportToFile, type Checkpoint } from '../../src/export/export-to-file';
import { createRowFormatter } from '../../src/export/formats';
import type { Column } from '../../src/export/columns';
import { pager } from '../helpers/pages';

type Doc = Record<string, unknown>;

const columns: Column[] = [
  { kind: 'field', header: 'email', path: 'email' },
  { kind: 'field', header: 'note', path: 'note' },
  { kind: 'list', header: 'vip', listName: 'vip' },
];

function contacts(n: number): Doc[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: i + 1,
    email: `c${i}@example.com`,
    note: i % 3 === 0 ? `comma, "quote"\nline ${i}` : `n${i}`,
    lists: i % 2 ? ['vip'] : [],
  }));
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'export-unit-'));
let fileNo = 0;

function read(file: string, compressed: boolean): string {
  const bytes = readFileSync(file);
  return (compressed ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
}

describe('exportToFile', () => {
  it('when crashed at random pages and resumed from the last *recorded* checkpoint, then the file equals an uninterrupted export', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom('csv', 'json' as const),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        async (n, pageSize, format, compress, showHeader, crashes, recordEvery) => {
          const docs = contacts(n);
          const formatter = createRowFormatter(format, columns, { showHeader });
          const clean = path.join(tmp, `clean-${fileNo++}`);
          await exportToFile({
            filePath: clean,
            formatter,
            compress,
            pages: pager(docs, pageSize),
            onCheckpoint: () => undefined,
          });

          const file = path.join(tmp, `crashy-${fileNo++}`);
          let recorded: Checkpoint | undefined;
          let calls = 0;
          // Temporal records only some heartbeats (throttling): keep every `recordEvery`-th checkpoint.
          const onCheckpoint = (cp: Checkpoint): void => {
            if (calls++ % recordEvery === 0) recorded = cp;
          };
          for (const crashAt of crashes) {
            await expect(
              exportToFile({
                filePath: file,
                formatter,
                compress,
                pages: pager(docs, pageSize, crashAt),
                resumeFrom: recorded,
                onCheckpoint,
              }),
            )
              .rejects.toThrow('worker killed')
              .catch(() => undefined); // a short export may finish before the crash point
          }
          const result = await exportToFile({
            filePath: file,
            formatter,
            compress,
            pages: pager(docs, pageSize),
            resumeFrom: recorded,
            onCheckpoint,
          });
          expect(result.rows).toBe(n);
          expect(read(file, compress)).toBe(read(clean, compress));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('when the staging file is shorter than the checkpoint (disk lost), then it starts over instead of trusting it', async () => {
    const docs = contacts(10);
    const formatter = createRowFormatter('csv', columns, { showHeader: true });
    const file = path.join(tmp, 'lost');
    writeFileSync(file, 'x');
    const result = await exportToFile({
      filePath: file,
      formatter,
      compress: false,
      pages: pager(docs, 3),
      resumeFrom: { lastId: 6, rows: 6, bytes: 500, complete: false },
      onCheckpoint: () => undefined,
    });
    expect(result).toMatchObject({ rows: 10, resumed: false });
    expect(parse(read(file, false))).toHaveLength(11);
  });

  it('when a gzip export is resumed, then the file is several gzip members that gunzip as one text', async () => {
    const docs = contacts(20);
    const formatter = createRowFormatter('csv', columns, { showHeader: false });
    const file = path.join(tmp, 'members.gz');
    let recorded: Checkpoint | undefined;
    await exportToFile({
      filePath: file,
      formatter,
      compress: true,
      pages: pager(docs, 5, 2),
      onCheckpoint: (cp) => void (recorded = cp),
    }).catch(() => undefined);
    await exportToFile({
      filePath: file,
      formatter,
      compress: true,
      pages: pager(docs, 5),
      resumeFrom: recorded,
      onCheckpoint: () => undefined,
    });
    const bytes = readFileSync(file);
    const members = bytes.toString('latin1').split('\x1f\x8b\x08').length - 1;
    expect(members).toBeGreaterThan(1);
    expect(parse(zlib.gunzipSync(bytes).toString())).toHaveLength(20);
  });

  it('when the signal aborts, then it stops between pages', async () => {
    const controller = new AbortController();
    const formatter = createRowFormatter('csv', columns, { showHeader: false });
    let pages = 0;
    const run = exportToFile({
      filePath: path.join(tmp, 'aborted'),
      formatter,
      compress: false,
      pages: pager(contacts(100), 10),
      signal: controller.signal,
      onCheckpoint: () => {
        if (++pages === 3) controller.abort();
      },
    });
    await expect(run).rejects.toThrow();
    expect(pages).toBeLessThan(6);
  });
});
