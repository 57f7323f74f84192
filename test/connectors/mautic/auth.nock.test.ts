import nock from 'nock';
import { describe, expect, it } from 'vitest';

import type { RateBudget, RateLimiter } from '../../../src/http/rate-limiter.ts';
import { AuthError, ConfigError, TransientError } from '../../../src/errors.ts';
import { fixture, makeContext, testDefinition, useNock } from './helpers.ts';

const BASE = 'https://mautic.example.com';
const NOW = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;
const list = () => fixture('contacts.empty.json');

function oauth(overrides: Record<string, string> = {}) {
  return {
    kind: 'oauth2' as const,
    accessToken: 'old-access-token',
    refreshToken: 'old-refresh-token',
    expiresAt: new Date(NOW + HOUR).toISOString(),
    refreshedAt: new Date(NOW - DAY).toISOString(),
    ...overrides,
  };
}

const refreshForm = {
  grant_type: 'refresh_token',
  client_id: 'leadstage-sandbox-client',
  client_secret: 'leadstage-sandbox-secret',
  redirect_uri: 'http://127.0.0.1/cb',
  refresh_token: 'old-refresh-token',
};

/** A limiter that admits everything and records pauses, so a Retry-After never sleeps in tests. */
class RecordingLimiter implements RateLimiter {
  pauses: [string, number][] = [];
  acquired: [string, RateBudget][] = [];
  acquire(bucket: string, budget: RateBudget) {
    this.acquired.push([bucket, budget]);
    return Promise.resolve();
  }
  pause(bucket: string, waitMs: number) {
    this.pauses.push([bucket, waitMs]);
    return Promise.resolve();
  }
}

useNock();

const api = () => nock(BASE).get((uri) => uri.startsWith('/api/contacts?'));

describe('when the OAuth2 access token has expired', () => {
  it('should refresh once through the credential store and retry with the new token', async () => {
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .matchHeader('authorization', 'Bearer old-access-token')
      .reply(401, fixture('error.token-expired.json'));
    nock(BASE).post('/oauth/v2/token', refreshForm).reply(200, fixture('oauth.token.json'));
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .matchHeader('authorization', 'Bearer new-access-token')
      .reply(200, list());
    const t = makeContext(BASE, oauth(), { nowMs: NOW });
    await testDefinition.create(t.ctx).fetchContacts(['1']);

    expect(t.credentials.current).toStrictEqual({
      kind: 'oauth2',
      accessToken: 'new-access-token',
      refreshToken: 'new-refresh-token',
      expiresAt: new Date(NOW + HOUR).toISOString(),
      refreshedAt: new Date(NOW).toISOString(),
    });
    expect(t.counted).toStrictEqual({ 'GET /api/contacts': 2, 'POST /oauth/v2/token': 1 });
    expect(t.credentials.reconnectReasons).toStrictEqual([]);
  });

  it('should refresh by TTL before a call when the token expires within a minute', async () => {
    nock(BASE).post('/oauth/v2/token', refreshForm).reply(200, fixture('oauth.token.json'));
    api().matchHeader('authorization', 'Bearer new-access-token').reply(200, list());
    const t = makeContext(BASE, oauth({ expiresAt: new Date(NOW + 30_000).toISOString() }), { nowMs: NOW });
    await testDefinition.create(t.ctx).fetchContacts(['1']);
    expect(t.counted).toStrictEqual({ 'POST /oauth/v2/token': 1, 'GET /api/contacts': 1 });
  });

  it('should refresh only once when two calls find the token expired at the same time', async () => {
    nock(BASE).post('/oauth/v2/token', refreshForm).once().reply(200, fixture('oauth.token.json'));
    api().times(2).matchHeader('authorization', 'Bearer new-access-token').reply(200, list());
    const t = makeContext(BASE, oauth({ expiresAt: new Date(NOW - 1).toISOString() }), { nowMs: NOW });
    const connector = testDefinition.create(t.ctx);
    await Promise.all([connector.fetchContacts(['1']), connector.fetchContacts(['2'])]);
    expect(t.counted['POST /oauth/v2/token']).toBe(1);
    expect(t.credentials.refreshCalls).toBe(2);
  });

  it('should flag the connection for reconnect when Mautic rejects the refresh token', async () => {
    api().reply(401, fixture('error.token-expired.json'));
    nock(BASE).post('/oauth/v2/token').reply(400, fixture('oauth.invalid-grant.json'));
    const t = makeContext(BASE, oauth(), { nowMs: NOW });
    const err = await testDefinition
      .create(t.ctx)
      .fetchContacts(['1'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('invalid_grant');
    expect((err as Error).message).not.toContain('old-refresh-token');
    expect(t.credentials.reconnectReasons).toStrictEqual([
      `Reconnect Mautic at ${BASE}: Mautic rejected the refresh token (revoked, expired or the API credentials were deleted).`,
    ]);
  });

  it('should flag reconnect without refreshing when the token is refused again right after a refresh', async () => {
    api().reply(401, fixture('error.token-expired.json'));
    nock(BASE).post('/oauth/v2/token').reply(200, fixture('oauth.token.json'));
    api().reply(401, fixture('error.token-expired.json'));
    const t = makeContext(BASE, oauth(), { nowMs: NOW });
    await expect(testDefinition.create(t.ctx).fetchContacts(['1'])).rejects.toBeInstanceOf(AuthError);
    expect(t.credentials.reconnectReasons).toHaveLength(1);
    expect(t.counted['POST /oauth/v2/token']).toBe(1);
  });
});

describe('when the refresh token ages (14 days in Mautic)', () => {
  it('should renew early once it is a week old, so a connection in use never dies', async () => {
    nock(BASE).post('/oauth/v2/token', refreshForm).reply(200, fixture('oauth.token.json'));
    api().matchHeader('authorization', 'Bearer new-access-token').reply(200, list());
    const t = makeContext(BASE, oauth({ refreshedAt: new Date(NOW - 8 * DAY).toISOString() }), {
      nowMs: NOW,
    });
    await testDefinition.create(t.ctx).fetchContacts(['1']);
    expect(t.credentials.current).toMatchObject({
      refreshToken: 'new-refresh-token',
      refreshedAt: new Date(NOW).toISOString(),
    });
  });

  it('should flag a connection idle past 14 days for reconnect without calling Mautic', async () => {
    const t = makeContext(BASE, oauth({ refreshedAt: new Date(NOW - 15 * DAY).toISOString() }), {
      nowMs: NOW,
    });
    const err = await testDefinition
      .create(t.ctx)
      .fetchContacts(['1'])
      .catch((e: unknown) => e);
    expect((err as AuthError).code).toBe('refresh_token_expired');
    expect(t.credentials.reconnectReasons).toStrictEqual([
      `Reconnect Mautic at ${BASE}: its refresh token expired after 14 days without a sync.`,
    ]);
    expect(t.counted).toStrictEqual({});
  });

  it('should keep an idle connection alive from keepAlive and report what it did', async () => {
    nock(BASE).post('/oauth/v2/token', refreshForm).reply(200, fixture('oauth.token.json'));
    const idle = makeContext(BASE, oauth({ refreshedAt: new Date(NOW - 10 * DAY).toISOString() }), {
      nowMs: NOW,
    });
    expect(await testDefinition.create(idle.ctx).keepAlive()).toBe('refreshed');
    expect(await testDefinition.create(idle.ctx).keepAlive()).toBe('fresh');

    const dead = makeContext(BASE, oauth({ refreshedAt: new Date(NOW - 20 * DAY).toISOString() }), {
      nowMs: NOW,
    });
    expect(await testDefinition.create(dead.ctx).keepAlive()).toBe('needs_reconnect');
    expect(dead.credentials.reconnectReasons).toHaveLength(1);

    const basic = makeContext(BASE, { kind: 'basic', username: 'u', password: 'p' });
    expect(await testDefinition.create(basic.ctx).keepAlive()).toBe('not_oauth');
  });
});

describe('when Mautic refuses the call', () => {
  it('should say where to turn the API on when it is disabled, without retrying', async () => {
    api().reply(403, fixture('error.api-disabled.json'));
    const t = makeContext(BASE, oauth(), { nowMs: NOW });
    const err = await testDefinition
      .create(t.ctx)
      .fetchContacts(['1'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `The API is disabled on the Mautic instance at ${BASE}. Turn it on in Mautic under Settings (cog icon) → ` +
        `Configuration → API Settings → "API enabled?" = Yes, save, then clear Mautic's cache (bin/console cache:clear) and retry.`,
    );
    expect(t.counted).toStrictEqual({ 'GET /api/contacts': 1 });
  });

  it('should send basic auth and say where to enable it when Mautic has it switched off', async () => {
    api()
      .matchHeader('authorization', `Basic ${Buffer.from('api:pw').toString('base64')}`)
      .reply(403, fixture('error.basic-auth-disabled.json'));
    const t = makeContext(BASE, { kind: 'basic', username: 'api', password: 'pw' });
    await expect(testDefinition.create(t.ctx).fetchContacts(['1'])).rejects.toThrow(
      /"Enable HTTP basic auth\?" = Yes/,
    );
  });

  it('should report wrong basic auth credentials as an auth error without any refresh', async () => {
    api().reply(401, {
      errors: [{ message: 'Authorization denied, invalid credentials.', code: 401, type: 'access_denied' }],
    });
    const t = makeContext(BASE, { kind: 'basic', username: 'api', password: 'bad' });
    const err = await testDefinition
      .create(t.ctx)
      .fetchContacts(['1'])
      .catch((e: unknown) => e);
    expect((err as AuthError).code).toBe('invalid_credentials');
    expect(t.credentials.refreshCalls).toBe(0);
  });

  it('should refuse private app credentials, which Mautic does not have', async () => {
    const t = makeContext(BASE, { kind: 'private_app', token: 'x' });
    await expect(testDefinition.create(t.ctx).fetchContacts(['1'])).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('when Mautic is rate limited or failing', () => {
  it('should pause the shared limiter for Retry-After on 429 and then succeed', async () => {
    api().reply(429, fixture('error.rate-limited.json'), { 'Retry-After': '2' });
    api().reply(200, list());
    const t = makeContext(
      BASE,
      { kind: 'basic', username: 'api', password: 'pw' },
      { config: { rateLimit: { max: 5, windowMs: 1000 } } },
    );
    const limiter = new RecordingLimiter();
    t.ctx.limiter = limiter;
    await testDefinition.create(t.ctx).fetchContacts(['1']);
    expect(limiter.pauses).toStrictEqual([['mautic:conn-1', 2000]]);
    expect(limiter.acquired).toStrictEqual([
      ['mautic:conn-1', { max: 5, windowMs: 1000 }],
      ['mautic:conn-1', { max: 5, windowMs: 1000 }],
    ]);
  });

  it('should wait until X-RateLimit-Reset when Mautic sends no Retry-After', async () => {
    // Mautic's limiter (NoxlogicRateLimitBundle) sends the reset as a Unix time in seconds.
    api().reply(429, fixture('error.rate-limited.json'), {
      Date: 'Mon, 30 Nov 2026 08:00:00 GMT',
      'X-RateLimit-Limit': '1000',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Date.UTC(2026, 10, 30, 8, 0, 45) / 1000),
    });
    api().reply(200, list());
    const t = makeContext(BASE, { kind: 'basic', username: 'api', password: 'pw' });
    const limiter = new RecordingLimiter();
    t.ctx.limiter = limiter;
    await testDefinition.create(t.ctx).fetchContacts(['1']);
    expect(limiter.pauses).toStrictEqual([['mautic:conn-1', 45_000]]);
  });

  it('should retry 5xx and network errors with backoff, then give up with a retryable error', async () => {
    api().reply(503, 'Service Unavailable');
    api().replyWithError('socket hang up');
    api().reply(200, list());
    const ok = makeContext(BASE, { kind: 'basic', username: 'api', password: 'pw' });
    await testDefinition.create(ok.ctx).fetchContacts(['1']);
    expect(ok.counted).toStrictEqual({ 'GET /api/contacts': 3 });

    api()
      .times(3)
      .reply(500, { errors: [{ message: 'Internal Server Error', code: 500, type: null }] });
    const failing = makeContext(
      BASE,
      { kind: 'basic', username: 'api', password: 'pw' },
      { config: { maxAttempts: 3 } },
    );
    const err = await testDefinition
      .create(failing.ctx)
      .fetchContacts(['1'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toBe('GET /api/contacts answered 500: Internal Server Error');
    expect(failing.counted).toStrictEqual({ 'GET /api/contacts': 3 });
  });
});
