import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findTool } from '../../src/devstack/binaries';
import { freePort, startProcess, type ManagedProcess } from '../../src/devstack/processes';

/** A certificate authority and what it signed, as PEM files. */
export interface Pki {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });

/** A CA with a server certificate (localhost, 127.0.0.1) and a client certificate (openssl). */
export function makePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  const f = (name: string): string => path.join(dir, name);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=contact-exports test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  ]);
  for (const [name, ext] of [
    ['server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=contact-exports ${name}`,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
    ]);
    writeFileSync(f(`${name}.ext`), `${ext}\n`);
    openssl([
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.crt`),
    ]);
  }
  return {
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
  };
}

export interface GrpcTlsProxy {
  readonly address: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * nginx in front of a gRPC server, terminating TLS and, by default, demanding a client certificate
 * signed by `pki`'s CA (`ssl_verify_client on`), as a production Temporal frontend behind a proxy
 * would. With `apiKey`, it also demands `authorization: Bearer <apiKey>`, as Temporal Cloud does.
 */
export async function startGrpcTlsProxy(options: {
  dir: string;
  upstream: string;
  pki: Pki;
  clientCertificates?: boolean;
  apiKey?: string;
}): Promise<GrpcTlsProxy> {
  const port = await freePort();
  const { dir, pki } = options;
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${path.join(dir, 'tmp')};
  proxy_temp_path ${path.join(dir, 'tmp')};
  fastcgi_temp_path ${path.join(dir, 'tmp')};
  uwsgi_temp_path ${path.join(dir, 'tmp')};
  scgi_temp_path ${path.join(dir, 'tmp')};
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client ${options.clientCertificates === false ? 'off' : 'on'};
    location / {${options.apiKey ? `\n      if ($http_authorization != "Bearer ${options.apiKey}") { return 401; }` : ''}
      grpc_pass grpc://${options.upstream};
      # Temporal's long polls last about a minute.
      grpc_read_timeout 300s;
      grpc_send_timeout 300s;
    }
  }
}
`,
  );
  const proc = await startProcess({
    name: 'nginx',
    command: findTool('nginx'),
    args: ['-c', conf, '-p', dir],
    logFile: path.join(dir, 'nginx.out'),
    readyTimeoutMs: 20_000,
    ready: () =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
  });
  return { address: `127.0.0.1:${port}`, process: proc, stop: () => proc.stop() };
}
