import { signWebhook, verifyWebhook, webhookHeaders, webhookKey } from '../../src/webhooks/signature';

describe('Standard Webhooks signatures (pure)', () => {
  it("when signing the specification's example, then the signature is the one it gives", () => {
    const key = webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('when a receiver verifies, then the right body passes and a changed body, id, key or old timestamp fails', () => {
    const key = webhookKey('whsec_' + Buffer.alloc(32, 7).toString('base64'));
    const now = new Date('2026-11-28T12:00:00Z');
    const body = '{"type":"contactexport.done"}';
    const h = webhookHeaders(key, 'msg_job1', body, now);
    const headers = {
      id: h['webhook-id'] ?? '',
      timestamp: h['webhook-timestamp'] ?? '',
      signature: h['webhook-signature'] ?? '',
    };
    expect(verifyWebhook(key, headers, body, now)).toBe(true);
    expect(verifyWebhook(key, headers, `${body} `, now)).toBe(false);
    expect(verifyWebhook(key, { ...headers, id: 'msg_job2' }, body, now)).toBe(false);
    expect(
      verifyWebhook(webhookKey('whsec_' + Buffer.alloc(32, 8).toString('base64')), headers, body, now),
    ).toBe(false);
    expect(verifyWebhook(key, headers, body, new Date(now.getTime() + 301_000))).toBe(false);
  });
});
