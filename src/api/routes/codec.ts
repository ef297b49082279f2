import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { RequestValidationError } from '../../errors';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import { requireApiKey } from '../auth';
import type { ApiDeps } from '../deps';

/**
 * `temporal.api.common.v1.Payloads` in protobuf JSON, as Temporal's own codec servers read it: an
 * absent field is its empty value (the CLI first POSTs `{}`: no payloads) and fields this server
 * does not know are ignored, not refused.
 */
const jsonPayload = z.object({
  metadata: z.record(z.string(), z.string()).nullish(),
  data: z.string().nullish(),
});
const jsonPayloads = z.object({ payloads: z.array(jsonPayload).max(10_000).nullish() });

type JsonPayload = z.infer<typeof jsonPayload>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * The codec server for the Temporal Web UI (`--ui-codec-endpoint`) and CLI (`--codec-endpoint`,
 * `--codec-auth "Basic …"`): POST /codec/decode and /codec/encode. It needs an API key, unless the
 * operator opts into unauthenticated access (CODEC_ALLOW_UNAUTHENTICATED, local development only).
 */
export function codecRouter(deps: ApiDeps): Router {
  const router = Router();
  const codec = new EncryptionCodec(deps.config.keyring);
  const { corsOrigins, allowUnauthenticated } = deps.config.codec;

  router.use('/codec', (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (origin && corsOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization, Caller-Type');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });
  if (!allowUnauthenticated) router.use('/codec', requireApiKey(deps.verifyApiKey));
  router.use('/codec', express.json({ limit: '8mb' }));

  for (const direction of ['encode', 'decode'] as const) {
    router.post(`/codec/${direction}`, async (req, res) => {
      const parsed = jsonPayloads.safeParse(req.body);
      if (!parsed.success)
        throw new RequestValidationError(
          'expected {"payloads": [{"metadata": {...}, "data": "base64"}]}',
          [],
        );
      const payloads = (parsed.data.payloads ?? []).map(fromJson);
      const result = direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      res.json({ payloads: result.map(toJson) });
    });
  }
  return router;
}
