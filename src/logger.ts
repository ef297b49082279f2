import pino, { type Logger } from 'pino';
import { logRedactPaths } from './destinations/redaction';

export type { Logger };

/**
 * JSON lines on stdout. Secrets never reach a log line: the redact paths below cover every destination
 * module's secret fields wherever a request or job is logged whole, and call sites log identifiers, not bodies.
 */
export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [...logRedactPaths(), 'req.headers.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
  // Tests pass a stream to read what would be logged.
  return destination ? pino(options, destination) : pino(options);
}
