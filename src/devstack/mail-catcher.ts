import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SMTPServer } from 'smtp-server';

export interface MailCatcher {
  readonly port: number;
  /** Where each received message is saved as `<time>-<n>.eml`. */
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * A local SMTP server that accepts every message and saves it as an .eml file: the confirmation
 * emails of `npm run dev` land in .data/mail/, and the tests read theirs from their own folder.
 */
export async function startMailCatcher(options: { port: number; dir: string }): Promise<MailCatcher> {
  mkdirSync(options.dir, { recursive: true });
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'contact-exports mail catcher',
    onData(stream, _session, callback) {
      const file = path.join(options.dir, `${Date.now()}-${++received}.eml`);
      pipeline(stream, createWriteStream(file)).then(
        () => callback(),
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    port: options.port,
    dir: options.dir,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
