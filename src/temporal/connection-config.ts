import { loadClientConnectConfig } from '@temporalio/envconfig';

/** What Connection.connect (client) and NativeConnection.connect (worker) both take. */
export interface TemporalConnection {
  readonly address: string;
  readonly tls?: TlsOptions | boolean;
  readonly apiKey?: string;
  readonly metadata?: Record<string, string>;
}

interface TlsOptions {
  readonly serverNameOverride?: string;
  readonly serverRootCACertificate?: Buffer;
  readonly clientCertPair?: { readonly crt: Buffer; readonly key: Buffer };
}

const DEFAULT_ADDRESS = '127.0.0.1:7233';

/**
 * The Temporal connection as Temporal's own tools configure it (@temporalio/envconfig): the
 * profile `TEMPORAL_PROFILE` (default "default") of the TOML file at `TEMPORAL_CONFIG_FILE` (default
 * ~/.config/temporalio/temporal.toml), overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and `TEMPORAL_GRPC_META_*`. So one profile serves the
 * `temporal` CLI, the gateway, the workers and the typed client. An API key turns TLS on.
 */
export function temporalConnectionFrom(env: Record<string, string | undefined>): {
  connection: TemporalConnection;
  namespace: string;
} {
  const defined = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: defined });
  const tls = connectionOptions.tls as TlsOptions | boolean | undefined;
  return {
    namespace: namespace ?? 'default',
    connection: {
      address: connectionOptions.address ?? DEFAULT_ADDRESS,
      ...(tls !== undefined ? { tls } : {}),
      ...(connectionOptions.apiKey !== undefined && typeof connectionOptions.apiKey === 'string'
        ? { apiKey: connectionOptions.apiKey }
        : {}),
      ...(connectionOptions.metadata
        ? { metadata: connectionOptions.metadata as Record<string, string> }
        : {}),
    },
  };
}
