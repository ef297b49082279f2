import { renderResults, type BenchResults } from '../../bench/results';

const base: BenchResults = {
  contacts: 100_000,
  runs: 3,
  workerHeapMb: 512,
  machine: {
    cpu: '2 × test',
    memoryGb: 24,
    node: 'v20',
    store: 'FerretDB',
    temporal: 't',
    date: '2026-11-28',
  },
  rawSeconds: 20,
  rawCpuSeconds: 2.2,
  mongoexport: { available: false, reason: 'not served here' },
  ours: [
    { format: 'csv', seconds: 25, bytes: 27e6, peakRssMb: 252, idleRssMb: 198, cpuSecondsPerJob: 8.7 },
    { format: 'csv+gzip', seconds: 40, bytes: 6e6, peakRssMb: 254, idleRssMb: 196, cpuSecondsPerJob: 9 },
  ],
  partitions: [
    { k: 1, seconds: 25 },
    { k: 2, seconds: 50 },
  ],
  fmt: { fmt_gzip_per_s: 164_269.4, fmt_plain_per_s: 186_861 },
  gzipLevel: 1,
  submission: { reqPerSec: 226.2, p50: 72, p99: 426, non2xx: 0, errors: 0, seconds: 10 },
};

describe('benchmark results', () => {
  it('computes ratios to raw, marks what was not measured na, and takes the highest peak RSS', () => {
    const { resultLine, markdown } = renderResults(base);
    expect(resultLine).toBe(
      'RESULT contacts=100000 raw_per_s=5000 ours_csv_per_s=4000 ours_gzip_per_s=2500 ours_json_per_s=na ' +
        'ratio_csv_raw=0.80 ratio_gzip_raw=0.50 ratio_csv_mongoexport=na cpu_ratio_csv_raw=3.95 ' +
        'cpu_ratio_gzip_raw=4.09 cpu_ratio_json_raw=na worker_rows_per_cpu_s=11494 gzip_level=1 ' +
        'fmt_per_s=164269 peak_rss_mb=254 ' +
        'speedup_k2=0.50 speedup_k4=na submit_p50_ms=72 submit_p99_ms=426 submit_per_s=226',
    );
    expect(markdown).toContain('mongoexport: not measured (`na`): not served here.');
    expect(markdown).toContain('| K = 2 | 50.0 | 0.50 |');
    expect(markdown).toContain('| 252 MB (idle 198) | 8.7 | 3.95 | 11,494 |');
  });

  it('compares with mongoexport when it ran, and says when partitions were not run', () => {
    const { resultLine, markdown } = renderResults({
      ...base,
      mongoexport: { available: true, seconds: 50 },
      partitions: [],
    });
    expect(resultLine).toContain('ratio_csv_mongoexport=2.00');
    expect(resultLine).toContain('speedup_k2=na');
    expect(markdown).toContain('Parallel export: not run');
  });
});
