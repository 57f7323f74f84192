import { describe, expect, it } from 'vitest';

import { AuthError, RateLimitedError, TransientError, classify, retryAfterMs } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';

describe('when classifying errors', () => {
  it('should retry rate limits with their wait and transient failures, never auth failures', () => {
    expect(classify(new RateLimitedError('slow down', 1500))).toStrictEqual({
      retry: true,
      reason: 'rate_limited',
      waitMs: 1500,
    });
    expect(classify(new TransientError('502'))).toStrictEqual({ retry: true, reason: 'transient' });
    expect(classify(new AuthError('revoked'))).toStrictEqual({ retry: false, reason: 'invalid_grant' });
    expect(classify(Object.assign(new Error('dns'), { code: 'ENOTFOUND' }))).toStrictEqual({
      retry: false,
      reason: 'enotfound',
    });
    expect(classify(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toStrictEqual({
      retry: true,
      reason: 'econnreset',
    });
  });

  it('should take the longest of several Retry-After candidates', () => {
    expect(retryAfterMs('2', 500, undefined)).toBe(2000);
    expect(retryAfterMs(null, '')).toBeUndefined();
  });
});

describe('when logging', () => {
  it('should never write a token, secret or password', () => {
    const lines: string[] = [];
    const log = createLogger('debug', {}, (l) => lines.push(l));
    log.info('refreshed', {
      connection: 'c1',
      accessToken: 'at-123',
      nested: { refresh_token: 'rt-456', client_secret: 'cs' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('connection=c1');
    expect(lines[0]).not.toMatch(/at-123|rt-456|cs"/);
  });
});
