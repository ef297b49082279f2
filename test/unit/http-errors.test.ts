import { ServiceError } from '@temporalio/client';
import { toHttpError } from '../../src/api/http-errors';

/** What @grpc/grpc-js rejects a call with: an Error with a numeric code, details and metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('errors as HTTP statuses (src/api/http-errors.ts)', () => {
  it.each([
    [4, 'context deadline exceeded'],
    [8, 'namespace rate limit exceeded'],
    [14, 'connection refused'],
  ])(
    'when Temporal answers gRPC %i (%s), then 503 temporal_unavailable with Retry-After, not 500',
    (code, details) => {
      for (const err of [
        new ServiceError('Failed to describe schedule', { cause: grpcError(code, details) }),
        grpcError(code, details),
      ]) {
        const http = toHttpError(err);
        expect(http).toMatchObject({
          status: 503,
          code: 'temporal_unavailable',
          headers: { 'Retry-After': '5' },
        });
        expect(http.message).not.toContain(details);
      }
    },
  );

  it('when Temporal refuses for another reason (INVALID_ARGUMENT), then it stays an internal error', () => {
    const http = toHttpError(new ServiceError('bad request', { cause: grpcError(3, 'invalid argument') }));
    expect(http).toMatchObject({ status: 500, code: 'internal_error' });
  });
});
