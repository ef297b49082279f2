import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findTool } from '../../src/devstack/binaries';
import { freePort, startProcess, type ManagedProcess } from '../../src/devstack/processes';
import { ensureSystemUser, KEY_USER, PARTNER_USER, requireRoot } from './system-users';

export interface SshServer {
  readonly port: number;
  /** Per-user chroots: `<chrootBase>/<user>/upload` is writable, `/readonly` is not. */
  readonly chrootBase: string;
  readonly process: ManagedProcess;
  authorizeKey(user: string, publicKey: string): void;
  stop(): Promise<void>;
}

/** sshd refuses to chroot into a folder that anyone but root could write on the way. */
function assertChrootSafe(dir: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    const s = statSync(current);
    if (s.uid !== 0 || (s.mode & 0o022) !== 0) {
      throw new Error(
        `sshd needs ${current} owned by root and not group/world writable (for ChrootDirectory)`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

function bannerSeen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('SSH-2.0'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * OpenSSH's sshd (Debian openssh-server) with its own config, host key and chroots in `dir`, on
 * 127.0.0.1: a password user and a public-key user, both SFTP-only and chrooted.
 */
export async function startSshServer(options: {
  dir: string;
  password: string;
  port?: number;
  logFile: string;
}): Promise<SshServer> {
  requireRoot('OpenSSH sshd');
  const { dir } = options;
  const port = options.port ?? (await freePort());
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  assertChrootSafe(dir);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKey = path.join(dir, 'host_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  chmodSync(hostKey, 0o600);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  mkdirSync(authorizedKeys, { mode: 0o755 });
  const chrootBase = path.join(dir, 'chroot');
  for (const name of [PARTNER_USER, KEY_USER]) {
    const user = ensureSystemUser(name, options.password);
    const home = path.join(chrootBase, name);
    mkdirSync(path.join(home, 'upload'), { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    chownSync(path.join(home, 'upload'), user.uid, user.gid);
    mkdirSync(path.join(home, 'readonly'), { mode: 0o755 });
    writeFileSync(path.join(authorizedKeys, name), '', { mode: 0o644 });
  }
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      // Keys are read by root through a command, wherever the test folder is.
      'AuthorizedKeysFile none',
      `AuthorizedKeysCommand /bin/cat ${authorizedKeys}/%u`,
      'AuthorizedKeysCommandUser root',
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin no',
      `AllowUsers ${PARTNER_USER} ${KEY_USER}`,
      'Subsystem sftp internal-sftp',
      `ChrootDirectory ${chrootBase}/%u`,
      'ForceCommand internal-sftp',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const proc = await startProcess({
    name: 'sshd',
    command: findTool('sshd'),
    args: ['-D', '-e', '-f', config],
    logFile: options.logFile,
    ready: () => bannerSeen(port),
  });
  return {
    port,
    chrootBase,
    process: proc,
    authorizeKey: (user, publicKey) =>
      writeFileSync(path.join(authorizedKeys, user), `${publicKey.trim()}\n`, { flag: 'a' }),
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
