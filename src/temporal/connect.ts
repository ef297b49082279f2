import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import type { CallTracker } from './call-tracker';
import { EncryptionCodec } from './encryption-codec';

/** Retries `attempt` until it succeeds or `timeoutMs` passes (servers starting beside us). */
export async function retryUntil<T>(what: string, attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() + delay > deadline) {
        throw new Error(
          `${what} not reachable after ${Math.round(timeoutMs / 1000)}s: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** Where the failure converter lives, for the workflow bundle (it runs in the workflow isolate too). */
export const failureConverterPath = require.resolve('./failure-converter');

/** Every payload Temporal stores is encrypted (EncryptionCodec); failures carry no clear text either. */
export function createDataConverter(config: Config): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(config.keyring)], failureConverterPath };
}

/** `tracker`, when given, sees every call from start to final status (retries included). */
export async function connectClient(
  config: Config,
  timeoutMs = 60_000,
  tracker?: CallTracker,
): Promise<Client> {
  const retry = makeGrpcRetryInterceptor(defaultGrpcRetryOptions());
  const interceptors = tracker ? [tracker.interceptor, retry] : [retry];
  const connection = await retryUntil(
    `Temporal at ${config.temporal.address}`,
    () => Connection.connect({ address: config.temporal.address, interceptors }),
    timeoutMs,
  );
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config),
  });
}
