import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (the OS picks; a tiny race with other processes is accepted). */
/**
 * Node flags for every worker process we start. V8 sizes its heap from the machine's memory
 * (about 4 GB here) and then lets garbage pile up: measured peak RSS of one 100,000-contact
 * export was 381-392 MB uncapped, 239-249 MB with a 128-512 MB old-space cap, at the same speed.
 * 512 MB leaves room for 8 concurrent exports and about 180 cached workflows.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512'];

export { freePort } from '../net/free-port';

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready after ${timeoutMs / 1000}s`);
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (fault injection). */
  kill(): Promise<void>;
}

export interface StartProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Output goes here (appended); otherwise it is inherited. */
  readonly logFile?: string;
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
  /** Called with each line of output (needs logFile, which puts output on pipes). */
  readonly onOutput?: (line: string) => void;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  let stdio: ('ignore' | 'inherit' | 'pipe')[] = ['ignore', 'inherit', 'inherit'];
  if (options.logFile) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    stdio = ['ignore', 'pipe', 'pipe'];
  }
  const child = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio,
  });
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    // Both streams share one log: neither may close it (a late stderr write would throw), the exit does.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
    if (options.onOutput) {
      const onOutput = options.onOutput;
      for (const stream of [child.stdout, child.stderr]) {
        let pending = '';
        stream?.on('data', (chunk: Buffer) => {
          const lines = (pending + chunk.toString('utf8')).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) onOutput(line);
        });
      }
    }
  }
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const handle: ManagedProcess = {
    name: options.name,
    child,
    logFile: options.logFile,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited(child);
    },
  };
  try {
    await Promise.race([
      waitUntil(options.name, options.ready, options.readyTimeoutMs ?? 60_000, child),
      spawnError,
    ]);
  } catch (err) {
    await handle.kill();
    const where = options.logFile ? ` (see ${options.logFile})` : '';
    throw new Error(`${err instanceof Error ? err.message : String(err)}${where}`);
  }
  return handle;
}
