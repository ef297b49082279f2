export interface BenchResults {
  readonly contacts: number;
  readonly runs: number;
  /** The worker's --max-old-space-size, 0 for V8's default. */
  readonly workerHeapMb: number;
  readonly machine: {
    cpu: string;
    memoryGb: number;
    node: string;
    store: string;
    temporal: string;
    date: string;
  };
  readonly rawSeconds: number;
  /** CPU seconds the raw read took in the benchmark process (driver, BSON decoding). */
  readonly rawCpuSeconds: number;
  readonly mongoexport: { available: false; reason: string } | { available: true; seconds: number };
  readonly ours: {
    format: string;
    seconds: number;
    bytes: number;
    peakRssMb: number;
    idleRssMb: number;
    /** The worker process's CPU seconds per job (all its threads: driver, formatting, gzip, Temporal). */
    cpuSecondsPerJob: number;
  }[];
  readonly partitions: { k: number; seconds: number }[];
  readonly fmt: { fmt_gzip_per_s: number; fmt_plain_per_s: number };
  /** gzip level of compressed exports (GZIP_LEVEL). */
  readonly gzipLevel: number;
  readonly submission: {
    reqPerSec: number;
    p50: number;
    p99: number;
    non2xx: number;
    errors: number;
    seconds: number;
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const two = (n: number): string => n.toFixed(2);

/** The Markdown section for bench/results.md and the machine-readable last line. */
export function renderResults(r: BenchResults): { markdown: string; resultLine: string } {
  const rawPerS = r.contacts / r.rawSeconds;
  const mongoPerS = r.mongoexport.available ? r.contacts / r.mongoexport.seconds : undefined;
  const rows = r.ours.map((o) => {
    const perS = r.contacts / o.seconds;
    return `| ours: ${o.format} (HTTP → workflow → file) | ${o.seconds.toFixed(1)} | ${int(perS)} | ${(o.bytes / 1e6 / o.seconds).toFixed(1)} | ${two(perS / rawPerS)} | ${mongoPerS ? two(perS / mongoPerS) : 'na'} | ${o.peakRssMb} MB (idle ${o.idleRssMb}) | ${o.cpuSecondsPerJob.toFixed(1)} | ${two(o.cpuSecondsPerJob / r.rawCpuSeconds)} | ${int(r.contacts / o.cpuSecondsPerJob)} |`;
  });
  const k1 = r.partitions.find((p) => p.k === 1)?.seconds;
  const markdown = [
    `### ${int(r.contacts)} contacts (${r.machine.date})`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.memoryGb} GiB; Node.js ${r.machine.node}; ${r.machine.store}; ${r.machine.temporal}. Medians of ${r.runs} runs; columns: every field and list (20); worker run with ${r.workerHeapMb > 0 ? `--max-old-space-size=${r.workerHeapMb}` : "V8's default heap limit"}, a fresh process per format.`,
    '',
    '| measurement | seconds | contacts/s | MB/s (file) | ratio to raw | ratio to mongoexport | worker peak RSS | client CPU s | CPU ratio to raw | rows per CPU s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| raw: bare driver cursor, same projection and order | ${r.rawSeconds.toFixed(1)} | ${int(rawPerS)} | — | 1.00 | ${mongoPerS ? two(rawPerS / mongoPerS) : 'na'} | — | ${r.rawCpuSeconds.toFixed(1)} | 1.00 | ${int(r.contacts / r.rawCpuSeconds)} |`,
    r.mongoexport.available
      ? `| mongoexport --type=csv | ${r.mongoexport.seconds.toFixed(1)} | ${int(mongoPerS ?? 0)} | — | ${two((mongoPerS ?? 0) / rawPerS)} | 1.00 | — | — | — | — |`
      : `| mongoexport | na | na | — | na | — | — | — | — | — |`,
    ...rows,
    '',
    `Client CPU s: CPU seconds used by the reading process per run (the benchmark process for raw; the worker process, all threads, per job for ours: driver, rows, gzip at level ${r.gzipLevel}, file writes, Temporal). CPU ratio to raw: ours over raw. Rows per CPU s: what one core of the reader sustains when the database keeps up. The database server uses its own CPU, besides.`,
    '',
    r.mongoexport.available ? '' : `mongoexport: not measured (\`na\`): ${r.mongoexport.reason}.`,
    '',
    `Formatting pipeline alone, pinned to one core (in-memory raw BSON contacts of 12 columns → CSV → gzip level ${r.gzipLevel} → file): **${int(r.fmt.fmt_gzip_per_s)} rows/s** (${int(r.fmt.fmt_plain_per_s)} rows/s without gzip).`,
    '',
    ...(r.partitions.length === 0
      ? ['Parallel export: not run (`--partitions` was empty).']
      : [
          '| parallel export (csv+gzip) | seconds | speed-up |',
          '|---|---|---|',
          ...r.partitions.map(
            (p) => `| K = ${p.k} | ${p.seconds.toFixed(1)} | ${k1 ? two(k1 / p.seconds) : 'na'} |`,
          ),
        ]),
    '',
    `Job submission (\`POST /contactexports\`, autocannon, 20 connections, ${r.submission.seconds} s, no worker on the queue so only submission counts): ${int(r.submission.reqPerSec)} requests/s, p50 ${r.submission.p50} ms, p99 ${r.submission.p99} ms, ${r.submission.non2xx} non-2xx, ${r.submission.errors} errors.`,
  ].join('\n');
  const perS = (format: string): number | undefined => {
    const o = r.ours.find((x) => x.format === format);
    return o ? r.contacts / o.seconds : undefined;
  };
  const csv = perS('csv');
  const gzip = perS('csv+gzip');
  const ratio = (a: number | undefined, b: number | undefined): string =>
    a !== undefined && b !== undefined ? two(a / b) : 'na';
  const cpuOf = (format: string): number | undefined =>
    r.ours.find((x) => x.format === format)?.cpuSecondsPerJob;
  const cpuRatio = (format: string): string => ratio(cpuOf(format), r.rawCpuSeconds);
  const csvCpu = cpuOf('csv');
  const speedup = (k: number): string => {
    const p = r.partitions.find((x) => x.k === k);
    return p && k1 ? two(k1 / p.seconds) : 'na';
  };
  const resultLine = [
    'RESULT',
    `contacts=${r.contacts}`,
    `raw_per_s=${Math.round(rawPerS)}`,
    `ours_csv_per_s=${csv ? Math.round(csv) : 'na'}`,
    `ours_gzip_per_s=${gzip ? Math.round(gzip) : 'na'}`,
    `ours_json_per_s=${perS('json') ? Math.round(perS('json') ?? 0) : 'na'}`,
    `ratio_csv_raw=${ratio(csv, rawPerS)}`,
    `ratio_gzip_raw=${ratio(gzip, rawPerS)}`,
    `ratio_csv_mongoexport=${ratio(csv, mongoPerS)}`,
    `cpu_ratio_csv_raw=${cpuRatio('csv')}`,
    `cpu_ratio_gzip_raw=${cpuRatio('csv+gzip')}`,
    `cpu_ratio_json_raw=${cpuRatio('json')}`,
    `worker_rows_per_cpu_s=${csvCpu ? Math.round(r.contacts / csvCpu) : 'na'}`,
    `gzip_level=${r.gzipLevel}`,
    `fmt_per_s=${Math.round(r.fmt.fmt_gzip_per_s)}`,
    `peak_rss_mb=${Math.max(...r.ours.map((o) => o.peakRssMb))}`,
    `speedup_k2=${speedup(2)}`,
    `speedup_k4=${speedup(4)}`,
    `submit_p50_ms=${r.submission.p50}`,
    `submit_p99_ms=${r.submission.p99}`,
    `submit_per_s=${Math.round(r.submission.reqPerSec)}`,
  ].join(' ');
  return { markdown, resultLine };
}
