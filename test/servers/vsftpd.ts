import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findTool } from '../../src/devstack/binaries';
import { freePort, startProcess, type ManagedProcess } from '../../src/devstack/processes';
import { ensureSystemUser, PARTNER_USER, requireRoot } from './system-users';
import type { TlsMaterial } from './tls';

export interface FtpServer {
  readonly port: number;
  /** The partner's FTP root (chroot): writable, with a root-owned `readonly` folder. */
  readonly home: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

function greeted(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('220'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * vsftpd (Debian) in the foreground with its own config in `dir`, on 127.0.0.1: the partner
 * account chrooted into its own folder, passive mode, explicit FTPS (AUTH TLS) when `tls` is given.
 */
export async function startFtpServer(options: FtpServerOptions): Promise<FtpServer> {
  // vsftpd once exited (code 2, nothing logged) at start in a CI-like run while many servers were
  // starting: a free port taken again between our check and its bind is the likely cause. On
  // chosen ports, a second and third try with new ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startFtpServerOnce(options);
    } catch (err) {
      const early = err instanceof Error && /exited with code/.test(err.message);
      if (!early || options.port !== undefined || attempt >= 3) throw err;
      process.stderr.write(`vsftpd did not start (${err.message}); trying again on new ports\n`);
    }
  }
}

interface FtpServerOptions {
  dir: string;
  password: string;
  port?: number;
  tls?: TlsMaterial;
  logFile: string;
}

async function startFtpServerOnce(options: FtpServerOptions): Promise<FtpServer> {
  requireRoot('vsftpd');
  const { dir } = options;
  const port = options.port ?? (await freePort());
  const pasv = await freePort();
  rmSync(dir, { recursive: true, force: true });
  const user = ensureSystemUser(PARTNER_USER, options.password);
  const home = path.join(dir, 'home', PARTNER_USER);
  mkdirSync(path.join(home, 'readonly'), { recursive: true, mode: 0o755 });
  chownSync(home, user.uid, user.gid);
  mkdirSync(path.join(dir, 'empty'), { mode: 0o755 });
  writeFileSync(path.join(dir, 'users'), `${PARTNER_USER}\n`);
  const tls = options.tls
    ? [
        'ssl_enable=YES',
        `rsa_cert_file=${options.tls.certFile}`,
        `rsa_private_key_file=${options.tls.keyFile}`,
        'allow_anon_ssl=NO',
        'force_local_logins_ssl=YES',
        'force_local_data_ssl=YES',
        'require_ssl_reuse=NO',
        'ssl_ciphers=HIGH',
      ]
    : ['ssl_enable=NO'];
  const config = path.join(dir, 'vsftpd.conf');
  writeFileSync(
    config,
    [
      'listen=YES',
      'listen_ipv6=NO',
      'listen_address=127.0.0.1',
      `listen_port=${port}`,
      'background=NO',
      'anonymous_enable=NO',
      'local_enable=YES',
      'write_enable=YES',
      'local_umask=022',
      // No /etc/pam.d file of its own: PAM falls back to "other" (pam_unix), which accepts no-shell users.
      'pam_service_name=contact-exports-tests',
      'userlist_enable=YES',
      'userlist_deny=NO',
      `userlist_file=${path.join(dir, 'users')}`,
      'chroot_local_user=YES',
      'allow_writeable_chroot=YES',
      `local_root=${path.join(dir, 'home')}/$USER`,
      'user_sub_token=$USER',
      `secure_chroot_dir=${path.join(dir, 'empty')}`,
      'pasv_enable=YES',
      `pasv_min_port=${pasv}`,
      `pasv_max_port=${pasv + 30}`,
      'pasv_address=127.0.0.1',
      'seccomp_sandbox=NO',
      `vsftpd_log_file=${options.logFile}`,
      'dual_log_enable=YES',
      ...tls,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const proc = await startProcess({
    name: 'vsftpd',
    command: findTool('vsftpd'),
    args: [config],
    logFile: `${options.logFile}.out`,
    ready: () => greeted(port),
  });
  return {
    port,
    home,
    process: proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
