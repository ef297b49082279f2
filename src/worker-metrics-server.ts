import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppMetrics } from './metrics';

/**
 * The worker's /metrics: our metrics followed by the Temporal SDK's (the Rust core serves those on
 * an internal loopback port; they are fetched and appended so a worker is one scrape target).
 */
export async function startWorkerMetricsServer(options: {
  host: string;
  port: number;
  metrics: AppMetrics;
  sdkMetricsUrl: string;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    Promise.all([
      options.metrics.registry.metrics(),
      fetch(options.sdkMetricsUrl)
        .then((r) => r.text())
        .catch(() => '# Temporal SDK metrics unavailable\n'),
    ]).then(
      ([ours, sdk]) =>
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(`${ours}\n${sdk}`),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
