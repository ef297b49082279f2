import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeDefinitions } from '../../workflows/search-attributes';
import { findTool } from './binaries';
import { startProcess, type ManagedProcess } from './processes';

export interface TemporalDevServer {
  readonly address: string;
  readonly uiUrl: string | undefined;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface TemporalDevServerOptions {
  readonly port: number;
  /** Web UI port; omit for a headless server (tests). */
  readonly uiPort?: number;
  /** SQLite file for state that survives restarts; omit for in-memory. */
  readonly dbFile?: string;
  readonly logFile?: string;
  /** Remote codec endpoint for the Web UI, so operators can read encrypted payloads. */
  readonly codecEndpoint?: string;
  /** Namespace retention (hours); job records must stay listable 60 days. */
  readonly retentionHours?: number;
}

/** The `temporal` CLI's dev server with our custom search attributes registered. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const bin = findTool('temporal');
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--log-level',
    'warn',
  ];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) {
    mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(options.dbFile));
  }
  if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  for (const [name, type] of Object.entries(searchAttributeDefinitions))
    args.push('--search-attribute', `${name}=${type}`);

  const proc = await startProcess({
    name: 'temporal',
    command: bin,
    args,
    logFile: options.logFile,
    readyTimeoutMs: 90_000,
    ready: async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      } finally {
        await connection.close();
      }
    },
  });
  registerMissingSearchAttributes(bin, address);
  if (options.retentionHours) {
    spawnSync(
      bin,
      [
        'operator',
        'namespace',
        'update',
        '--address',
        address,
        '--retention',
        `${options.retentionHours}h`,
        'default',
      ],
      {
        stdio: 'ignore',
      },
    );
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: proc,
    stop: () => proc.stop(),
  };
}

/**
 * The dev server registers `--search-attribute` flags only when it creates its database: a
 * database kept from an older version of this project lacks the attributes added since
 * (ExportSchedule, say), and every start that sets one would fail. Adds what is missing.
 */
function registerMissingSearchAttributes(bin: string, address: string): void {
  const listed = spawnSync(
    bin,
    ['operator', 'search-attribute', 'list', '--address', address, '-o', 'json'],
    {
      encoding: 'utf8',
    },
  );
  const known = listed.status === 0 ? listed.stdout : '';
  for (const [name, type] of Object.entries(searchAttributeDefinitions)) {
    if (known.includes(`"${name}"`)) continue;
    spawnSync(
      bin,
      ['operator', 'search-attribute', 'create', '--address', address, '--name', name, '--type', type],
      { stdio: 'ignore' },
    );
  }
}
