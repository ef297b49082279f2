import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The partner accounts the SFTP and FTP servers authenticate (OpenSSH and vsftpd log in real
 * system users). No shell, home `/`, and a random password per test run: never a known password
 * on the machine, and never a locked account (which sshd would refuse even for keys).
 */
export const PARTNER_USER = 'cexp-partner';
export const KEY_USER = 'cexp-keyuser';

export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function ids(name: string): SystemUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (uid.status !== 0) return undefined;
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${what} must start as root to log in as the test users; run the tests as root`);
  }
}

export function ensureSystemUser(name: string, password: string): SystemUser {
  if (!ids(name)) {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
  }
  execFileSync('usermod', ['--home', '/', name]);
  execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
  const user = ids(name);
  if (!user) throw new Error(`could not create user ${name}`);
  return user;
}

/**
 * Where the SFTP/FTP servers keep their files: root-owned, not writable by others (sshd's
 * ChrootDirectory demands it) and traversable by the test users (vsftpd enters the home as the
 * user). /run fits; /tmp and home folders do not.
 */
export function serverBaseDir(name: string): string {
  const base = existsSync('/run') ? '/run/contact-exports-tests' : '/var/lib/contact-exports-tests';
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}
