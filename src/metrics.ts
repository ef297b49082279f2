import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one process. The gateway counts requests and started jobs; workers count
 * ended jobs, rows and bytes, and time exports and uploads (their /metrics also carries the
 * Temporal SDK's own metrics). Labels stay low-cardinality: destination type, status, format.
 */
export interface AppMetrics {
  readonly registry: Registry;
  readonly jobsStarted: Counter<'destination'>;
  readonly jobsEnded: Counter<'status' | 'destination'>;
  readonly rowsExported: Counter<'format'>;
  readonly bytesExported: Counter<'format'>;
  readonly exportDuration: Histogram<'format'>;
  readonly uploadDuration: Histogram<'destination'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  /** Leftover staging files of ended jobs removed by a worker's sweep (src/jobs/staging-sweep.ts). */
  readonly stagingSweptFiles: Counter;
  readonly stagingSweptBytes: Counter;
}

const durationBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export function createMetrics(role: 'api' | 'worker'): AppMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    jobsStarted: new Counter({
      name: 'contact_exports_jobs_started_total',
      help: 'Export jobs started, by destination type',
      labelNames: ['destination'],
      registers,
    }),
    jobsEnded: new Counter({
      name: 'contact_exports_jobs_ended_total',
      help: 'Export jobs ended (Done, Failed, Cancelled), by destination type',
      labelNames: ['status', 'destination'],
      registers,
    }),
    rowsExported: new Counter({
      name: 'contact_exports_rows_exported_total',
      help: 'Contacts written to export files',
      labelNames: ['format'],
      registers,
    }),
    bytesExported: new Counter({
      name: 'contact_exports_bytes_exported_total',
      help: 'Bytes of export files written (after gzip)',
      labelNames: ['format'],
      registers,
    }),
    exportDuration: new Histogram({
      name: 'contact_exports_export_duration_seconds',
      help: 'Time to write an export file (one activity attempt)',
      labelNames: ['format'],
      buckets: durationBuckets,
      registers,
    }),
    uploadDuration: new Histogram({
      name: 'contact_exports_upload_duration_seconds',
      help: 'Time to deliver a file, by destination type',
      labelNames: ['destination'],
      buckets: durationBuckets,
      registers,
    }),
    httpRequests: new Counter({
      name: 'contact_exports_http_requests_total',
      help: 'Gateway requests',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'contact_exports_http_request_duration_seconds',
      help: 'Gateway request durations',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    stagingSweptFiles: new Counter({
      name: 'contact_exports_staging_swept_files_total',
      help: "Leftover staging files of ended jobs removed by the worker's sweep",
      registers,
    }),
    stagingSweptBytes: new Counter({
      name: 'contact_exports_staging_swept_bytes_total',
      help: "Bytes freed on the staging disk by the worker's sweep",
      registers,
    }),
  };
}
