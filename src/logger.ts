import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Secrets never reach a log line: the redact paths below cover destination
 * credentials wherever a request or job is logged whole, and call sites log identifiers, not bodies.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        '*.password',
        '*.aws_secret_access_key',
        '*.destination.password',
        '*.destination.aws_secret_access_key',
        'req.headers.authorization',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
