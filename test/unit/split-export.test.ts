import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { SplitLimitError } from '../../src/errors';
import { exportToFile, type Checkpoint } from '../../src/export/export-to-file';
import { createRowFormatter, type ExportFormat } from '../../src/export/formats';
import type { Column } from '../../src/export/columns';
import { pager } from '../helpers/pages';
import {
  splitFileName,
  buildManifest,
  filesInJobOrder,
  manifestFileName,
  splitLimits,
} from '../../src/export/split';

type Doc = Record<string, unknown>;

const columns: Column[] = [
  { kind: 'field', header: 'email', path: 'email' },
  { kind: 'field', header: 'note', path: 'note' },
];

function contacts(n: number): Doc[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: i + 1,
    email: `c${i}@example.com`,
    note: i % 4 === 0 ? `comma, "quote"\nline ${i} ${'x'.repeat(i % 37)}` : `n${i}`,
  }));
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'split-unit-'));
let runNo = 0;

function text(file: string, compressed: boolean): string {
  const bytes = readFileSync(file);
  return (compressed ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
}

/** The emails of one complete file, checking that it is a whole file of its format. */
function emailsOf(content: string, format: ExportFormat, showHeader: boolean): string[] {
  if (format === 'json') return (JSON.parse(content) as { email: string }[]).map((r) => r.email);
  if (format === 'ndjson')
    return content
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { email: string }).email);
  const rows: string[][] = parse(content);
  if (showHeader) expect(rows[0]).toEqual(['email', 'note']);
  return rows.slice(showHeader ? 1 : 0).map((r) => r[0] ?? '');
}

describe('split exports (maxRowsPerFile, maxFileSizeMB)', () => {
  it('when crashed at random pages and resumed, then every file is complete and within its limits, rows land once in order, and finished files never change', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom<ExportFormat>('csv', 'json', 'ndjson'),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
        fc.option(fc.integer({ min: 260, max: 1500 }), { nil: null }),
        fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        async (n, pageSize, format, compress, showHeader, maxRows, maxBytes, crashes, recordEvery) => {
          fc.pre(maxRows !== null || maxBytes !== null);
          const raw = format === 'csv' && n % 2 === 0;
          const docs = contacts(n);
          const formatter = createRowFormatter(format, columns, { showHeader });
          const dir = path.join(tmp, `run-${runNo++}`);
          const split = { maxRows, maxBytes, filePath: (k: number) => `${dir}/f${k}`, maxFiles: 1000 };
          let recorded: Checkpoint | undefined;
          let calls = 0;
          /** What each finished file held when a recorded checkpoint first listed it. */
          const finished = new Map<number, Buffer>();
          const onCheckpoint = (cp: Checkpoint): void => {
            if (calls++ % recordEvery !== 0) return;
            recorded = cp;
            (cp.files ?? []).forEach((f, i) => {
              const bytes = readFileSync(split.filePath(i + 1));
              expect(bytes.length).toBe(f.bytes);
              if (!finished.has(i + 1)) finished.set(i + 1, bytes);
            });
          };
          const run = (crashAt?: number) =>
            exportToFile({
              filePath: `${dir}/whole`,
              split,
              formatter,
              compress,
              pages: pager(docs, pageSize, crashAt, raw),
              resumeFrom: recorded,
              onCheckpoint,
            });
          for (const crashAt of crashes)
            await run(crashAt).catch((err: Error) => expect(err.message).toBe('worker killed'));
          const result = await run();

          const files = result.files ?? [];
          expect(files.length).toBeGreaterThanOrEqual(1);
          expect(existsSync(`${dir}/whole`)).toBe(false);
          const emails: string[] = [];
          files.forEach((f, i) => {
            const bytes = readFileSync(split.filePath(i + 1));
            expect(bytes.length).toBe(f.bytes);
            if (maxBytes !== null) expect(f.bytes).toBeLessThanOrEqual(maxBytes);
            if (maxRows !== null) expect(f.rows).toBeLessThanOrEqual(maxRows);
            if (i < files.length - 1) expect(f.rows).toBeGreaterThan(0);
            const inFile = emailsOf(text(split.filePath(i + 1), compress), format, showHeader);
            expect(inFile).toHaveLength(f.rows);
            emails.push(...inFile);
            const before = finished.get(i + 1);
            if (before) expect(bytes.equals(before)).toBe(true);
          });
          expect(emails).toEqual(docs.map((d) => d.email));
          expect(result.rows).toBe(n);
          // Row limits cut the same places however the pages fell.
          if (maxRows !== null && maxBytes === null)
            expect(files.map((f) => f.rows)).toEqual(
              Array.from({ length: Math.max(1, Math.ceil(n / maxRows)) }, (_, i) =>
                Math.min(maxRows, n - i * maxRows),
              ),
            );
        },
      ),
      { numRuns: 250 },
    );
  });

  it('when the export needs more files than allowed, then it fails with split_limit', async () => {
    const dir = path.join(tmp, 'too-many');
    const run = exportToFile({
      filePath: `${dir}/whole`,
      split: { maxRows: 2, maxBytes: null, filePath: (k) => `${dir}/f${k}`, maxFiles: 3 },
      formatter: createRowFormatter('csv', columns, { showHeader: false }),
      compress: false,
      pages: pager(contacts(7), 5),
      onCheckpoint: () => undefined,
    });
    await expect(run).rejects.toThrow(SplitLimitError);
    await expect(run).rejects.toMatchObject({ code: 'split_limit' });
  });

  it('when one row alone is larger than maxFileSizeMB, then it fails with split_limit instead of breaking the limit', async () => {
    const dir = path.join(tmp, 'huge-row');
    const docs = [{ _id: 1, email: 'a@example.com', note: 'y'.repeat(5000) }];
    const run = exportToFile({
      filePath: `${dir}/whole`,
      split: { maxRows: null, maxBytes: 1000, filePath: (k) => `${dir}/f${k}`, maxFiles: 10 },
      formatter: createRowFormatter('json', columns, { showHeader: false }),
      compress: false,
      pages: pager(docs, 5),
      onCheckpoint: () => undefined,
    });
    await expect(run).rejects.toThrow(/does not fit/);
  });

  it('names files in order with five digits, and the manifest totals its files', () => {
    const plan = { stem: 'nightly', suffix: '.csv.gz.pgp' };
    expect(splitFileName(plan, 1)).toBe('nightly-part-00001.csv.gz.pgp');
    expect(splitFileName(plan, 1000)).toBe('nightly-part-01000.csv.gz.pgp');
    expect(manifestFileName(plan)).toBe('nightly.manifest.json');
    expect(splitLimits({})).toBeUndefined();
    expect(splitLimits({ maxFileSizeMB: 10 })).toEqual({ maxRows: null, maxBytes: 10 * 1024 * 1024 });
    const manifest = buildManifest(
      { name: 'nightly', jobID: 'j', exportType: 'csv', compress: true, encrypted: false, createdAt: 't' },
      [
        { name: 'a', rows: 2, bytes: 10, sha256: 'x' },
        { name: 'b', rows: 1, bytes: 7, sha256: 'y' },
      ],
    );
    expect(manifest.totals).toEqual({ files: 2, rows: 3, bytes: 17 });
  });

  it('when a partition matched nothing, then its empty file is left out of the job, unless every partition was empty', () => {
    const file = (key: string, rows: number) => ({ key, rows, bytes: rows * 10 + 5 });
    // Given in completion order, not part order.
    const parts = [
      { part: 2, files: [file('p2.f1', 3)] },
      { part: 0, files: [file('p0.f1', 4), file('p0.f2', 1)] },
      { part: 1, files: [file('p1.f1', 0)] },
    ];
    expect(filesInJobOrder(parts).map((f) => f.key)).toEqual(['p0.f1', 'p0.f2', 'p2.f1']);
    const empty = [
      { part: 1, files: [file('p1.f1', 0)] },
      { part: 0, files: [file('p0.f1', 0)] },
    ];
    expect(filesInJobOrder(empty).map((f) => f.key)).toEqual(['p0.f1']);
  });
});
