import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Db, MongoClientOptions } from 'mongodb';
import { startWebServer, type WebServer } from '../../src/api/server';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { connectContactStore, ensureIndexes, type ContactStore } from '../../src/store/mongo';
import { connectClient } from '../../src/temporal/connect';
import { createExportWorkers, type ExportWorkers } from '../../src/worker';
import { TEST_API_KEY, testConfig, testServers } from './servers';

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface TestStack {
  readonly config: Config;
  readonly url: string;
  readonly db: Db;
  readonly store: ContactStore;
  readonly client: Client;
  readonly web: WebServer;
  readonly workers: ExportWorkers | undefined;
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<HttpResult<T>>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  /** API key to send; null sends none. Defaults to TEST_API_KEY. */
  readonly apiKey?: string | null;
  readonly headers?: Record<string, string>;
  /** Send this exact string as the body. */
  readonly raw?: string;
}

export async function httpRequest<T>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const key = options.apiKey === undefined ? TEST_API_KEY : options.apiKey;
  if (key !== null) headers.authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  let payload: string | undefined = options.raw;
  if (payload === undefined && body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

function quietSdkLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process by an earlier test file.
  }
}

/** Gateway and worker in this process, on the shared test servers, with their own database and queue. */
export async function startTestStack(
  options: { config?: Config; worker?: boolean; mongoOptions?: MongoClientOptions } = {},
): Promise<TestStack> {
  quietSdkLogs();
  const config = options.config ?? testConfig();
  const logger = createLogger('test', config.logLevel);
  const store = await connectContactStore(config.mongodbUri, options.mongoOptions);
  await ensureIndexes(store.db);
  const client = await connectClient(config);
  let workers: ExportWorkers | undefined;
  let running: Promise<void> | undefined;
  if (options.worker !== false) {
    workers = await createExportWorkers({
      config,
      logger,
      store,
      client,
      workflowBundlePath: testServers().workflowBundle,
    });
    running = workers.run();
  }
  const web = await startWebServer({ config, logger, store, client, port: 0 });
  return {
    config,
    url: web.url,
    db: store.db,
    store,
    client,
    web,
    workers,
    request: (method, path, body, requestOptions) => httpRequest(web.url, method, path, body, requestOptions),
    stop: async () => {
      await web.stop();
      if (workers) {
        await workers.shutdown();
        await running;
      }
      await client.connection.close();
      await store.close();
    },
  };
}
