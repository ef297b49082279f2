import { DestinationNotFoundError, DestinationUnavailableError, type AppError } from '../errors';

const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Socket-level failures: refused, reset and timed-out connections retry; unknown hosts do not. */
export function networkError(err: unknown, where: string): AppError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOTFOUND') return new DestinationNotFoundError(`${where}: host not found`);
  if ((code && transientCodes.has(code)) || /timed? ?out|socket hang up|ECONNRESET|closed/i.test(message)) {
    return new DestinationUnavailableError(`${where}: ${code ?? message}; will retry`);
  }
  return undefined;
}
