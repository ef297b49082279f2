import path from 'node:path';
import { loadConfig } from '../../src/config';
import { seedStore } from '../../src/seed/seed-store';
import { connectClient } from '../../src/temporal/connect';
import { createExportWorkers } from '../../src/worker';
import { waitForJob } from '../helpers/jobs';
import { testEnv, testServers, uniqueId } from '../helpers/servers';
import { startTestStack, type TestStack } from '../helpers/stack';
import { makePki, startGrpcTlsProxy, type GrpcTlsProxy, type Pki } from '../servers/grpc-tls-proxy';

/**
 * Production Temporal: TLS with a custom CA and a client certificate (mTLS), configured the way
 * Temporal's own tools are (TEMPORAL_TLS_* through @temporalio/envconfig). The dev server sits
 * behind nginx, which terminates TLS and refuses any client without a certificate from its CA.
 */
describe('Temporal over mTLS (nginx grpc_pass, ssl_verify_client on)', () => {
  const dir = path.join(testServers().runDir, uniqueId('mtls'));
  let pki: Pki;
  let strangers: Pki;
  let proxy: GrpcTlsProxy;
  let env: Record<string, string>;
  let stack: TestStack | undefined;

  beforeAll(async () => {
    pki = makePki(path.join(dir, 'pki'));
    strangers = makePki(path.join(dir, 'other-pki'));
    proxy = await startGrpcTlsProxy({
      dir: path.join(dir, 'nginx'),
      upstream: testServers().temporalAddress,
      pki,
    });
    env = testEnv({
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await proxy?.stop();
  });

  it('when the gateway and worker present the client certificate, then a job runs to Done through the proxy', async () => {
    stack = await startTestStack({ config: loadConfig(env) });
    await seedStore(stack.db, { contacts: 500 });
    const created = await stack.request<{ jobID: string }>('POST', '/contactexports', { exportType: 'csv' });
    expect(created.status).toBe(202);
    const { job } = await waitForJob(stack, created.body.jobID);
    expect(job.status).toBe('Done');
    expect(job.file?.rows).toBe(500);
  }, 120_000);

  it.each<[string, () => Record<string, string>]>([
    [
      'no client certificate',
      () => {
        const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...rest } = env;
        return rest;
      },
    ],
    [
      'a client certificate from another CA',
      () => ({
        ...env,
        TEMPORAL_TLS_CLIENT_CERT_PATH: strangers.clientCert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: strangers.clientKey,
      }),
    ],
  ])(
    'when the client presents %s, then connecting fails at once with a clear error, never a hang',
    async (_case, make) => {
      const config = loadConfig(make());
      for (const connect of [
        () => connectClient(config, 20_000),
        async () => (await createExportWorkers({ config, store: stack?.store })).shutdown(),
      ]) {
        const started = Date.now();
        const error = await connect().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(Error);
        expect(String(error)).toMatch(
          /refused the connection.*(HTTP status code 400|status: 400).*TEMPORAL_TLS/,
        );
        expect(Date.now() - started).toBeLessThan(15_000);
        process.stderr.write(`mTLS, ${_case}: ${String(error)}\n`);
      }
    },
    120_000,
  );

  it('when a certificate file does not exist, then the configuration names the problem', () => {
    expect(() =>
      loadConfig({ ...env, TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.crt') }),
    ).toThrow(/TEMPORAL_/);
  });

  it('when the frontend wants TLS with a private CA and an API key (as Temporal Cloud does), then TEMPORAL_API_KEY gets through and a wrong key fails at once', async () => {
    const cloud = await startGrpcTlsProxy({
      dir: path.join(dir, 'nginx-api-key'),
      upstream: testServers().temporalAddress,
      pki,
      clientCertificates: false,
      apiKey: 'cloud-key-123',
    });
    try {
      const base = {
        ...env,
        TEMPORAL_ADDRESS: cloud.address,
        TEMPORAL_TLS_CLIENT_CERT_PATH: '',
        TEMPORAL_TLS_CLIENT_KEY_PATH: '',
      };
      const client = await connectClient(loadConfig({ ...base, TEMPORAL_API_KEY: 'cloud-key-123' }), 20_000);
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      await client.connection.close();
      await expect(connectClient(loadConfig({ ...base, TEMPORAL_API_KEY: 'wrong' }), 20_000)).rejects.toThrow(
        /refused the connection/,
      );
    } finally {
      await cloud.stop();
    }
  }, 60_000);
});
