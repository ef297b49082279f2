import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Keyring } from '../crypto/keyring';
import type { CallTracker } from './call-tracker';
import type { TemporalConnection } from './connection-config';
import { EncryptionCodec } from './encryption-codec';

/** What connecting needs of the configuration (src/config.ts's Config has it). */
export interface TemporalSettings {
  readonly keyring: Keyring;
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly connection: TemporalConnection;
  };
}

/**
 * Errors that waiting cannot fix: a certificate the server or we refuse, a wrong API key, a proxy
 * answering 4xx (nginx answers a missing or untrusted client certificate with HTTP 400). They end
 * the start-up at once with the reason, instead of a minute of retries.
 */
const PERMANENT =
  /certificate|handshake|ssl|tls|x509|unknown ca|bad record|UNAUTHENTICATED|PERMISSION_DENIED|HTTP status code 4\d\d|status: 4\d\d/i;

/** An error's message with its causes' ("Failed to connect" says little; its cause says why). */
function explain(err: unknown): string {
  const messages: string[] = [];
  for (let at: unknown = err; at !== undefined && messages.length < 5;) {
    messages.push(at instanceof Error ? at.message : typeof at === 'string' ? at : JSON.stringify(at));
    at = at instanceof Error ? at.cause : undefined;
  }
  return messages.join(': ');
}

export class TemporalConnectionError extends Error {
  constructor(what: string, cause: unknown) {
    super(
      `${what} refused the connection: ${explain(cause)} ` +
        '(check TEMPORAL_TLS_*, TEMPORAL_API_KEY or the TEMPORAL_PROFILE in use)',
    );
    this.name = this.constructor.name;
  }
}

/** Retries `attempt` until it succeeds or `timeoutMs` passes (servers starting beside us). */
export async function retryUntil<T>(what: string, attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (PERMANENT.test(explain(err))) throw new TemporalConnectionError(what, err);
      if (Date.now() + delay > deadline) {
        throw new Error(`${what} not reachable after ${Math.round(timeoutMs / 1000)}s: ${explain(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** Where the failure converter lives, for the workflow bundle (it runs in the workflow isolate too). */
export const failureConverterPath = require.resolve('./failure-converter');

/** Every payload Temporal stores is encrypted (EncryptionCodec); failures carry no clear text either. */
export function createDataConverter(config: Pick<TemporalSettings, 'keyring'>): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(config.keyring)], failureConverterPath };
}

/** `tracker`, when given, sees every call from start to final status (retries included). */
export async function connectClient(
  config: TemporalSettings,
  timeoutMs = 60_000,
  tracker?: CallTracker,
): Promise<Client> {
  const retry = makeGrpcRetryInterceptor(defaultGrpcRetryOptions());
  const interceptors = tracker ? [tracker.interceptor, retry] : [retry];
  const connection = await retryUntil(
    `Temporal at ${config.temporal.address}`,
    () => Connection.connect({ ...config.temporal.connection, interceptors }),
    timeoutMs,
  );
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config),
  });
}
