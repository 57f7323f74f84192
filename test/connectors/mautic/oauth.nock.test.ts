import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { mauticConnector, mauticAppFromEnv } from '../../../connectors/mautic/index.ts';
import { normalizeBaseUrl, refreshTokenState } from '../../../connectors/mautic/oauth.ts';
import { AuthError, ConfigError } from '../../../src/errors.ts';
import { fixture, useNock } from './helpers.ts';

const app = {
  clientId: 'cid',
  clientSecret: 'csecret',
  redirectUri: 'https://leadstage.example/oauth/mautic/callback',
};

useNock();

describe('when connecting a Mautic instance with OAuth2', () => {
  it('should send the admin to the instance’s own authorize URL', () => {
    expect(mauticConnector.oauth.authorizeUrl(app, { state: 's1', baseUrl: 'https://m.example.com/' })).toBe(
      'https://m.example.com/oauth/v2/authorize?client_id=cid&grant_type=authorization_code&' +
        'redirect_uri=https%3A%2F%2Fleadstage.example%2Foauth%2Fmautic%2Fcallback&response_type=code&state=s1',
    );
    expect(mauticConnector).toMatchObject({ vendor: 'mautic', kind: 'source', scopes: [] });
  });

  it('should exchange the code for tokens that expire in 60 minutes and record when they were issued', async () => {
    nock('https://m.example.com')
      .post('/oauth/v2/token', {
        grant_type: 'authorization_code',
        client_id: 'cid',
        client_secret: 'csecret',
        redirect_uri: app.redirectUri,
        code: 'the-code',
      })
      .reply(200, fixture('oauth.token.json'));
    const before = Date.now();
    const result = await mauticConnector.oauth.exchangeCode(app, {
      code: 'the-code',
      baseUrl: 'https://m.example.com/api/',
    });
    expect(result.accountId).toBe('m.example.com');
    expect(result.baseUrl).toBe('https://m.example.com');
    expect(result.credentials).toMatchObject({
      kind: 'oauth2',
      accessToken: 'new-access-token',
      refreshToken: 'new-refresh-token',
    });
    const c = result.credentials as { expiresAt: string; refreshedAt: string };
    expect(Date.parse(c.expiresAt) - Date.parse(c.refreshedAt)).toBe(3_600_000);
    expect(Date.parse(c.refreshedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('should tell a wrong client secret from a bad code, never echoing either', async () => {
    nock('https://m.example.com')
      .post('/oauth/v2/token')
      .reply(400, { error: 'invalid_client', error_description: 'The client credentials are invalid' });
    const err = await mauticConnector.oauth
      .exchangeCode(app, { code: 'c', baseUrl: 'https://m.example.com' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('invalid_client');
    expect((err as Error).message).not.toContain('csecret');
    nock('https://m.example.com')
      .post('/oauth/v2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'The authorization code has expired' });
    await expect(
      mauticConnector.oauth.exchangeCode(app, { code: 'c', baseUrl: 'https://m.example.com' }),
    ).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('should require a usable base URL: Mautic is self-hosted', () => {
    expect(() => normalizeBaseUrl(undefined)).toThrow(ConfigError);
    expect(() => normalizeBaseUrl('not a url')).toThrow('the Mautic base URL "not a url" is not a URL');
    expect(() => normalizeBaseUrl('ftp://m.example.com')).toThrow(ConfigError);
    expect(normalizeBaseUrl('https://m.example.com/mautic/api')).toBe('https://m.example.com/mautic');
  });

  it('should build the default OAuth app from the environment and say which variables are missing', () => {
    expect(
      mauticAppFromEnv({
        MAUTIC_CLIENT_ID: 'a',
        MAUTIC_CLIENT_SECRET: 'b',
        PUBLIC_URL: 'https://ls.example/',
      }),
    ).toStrictEqual({
      clientId: 'a',
      clientSecret: 'b',
      redirectUri: 'https://ls.example/oauth/mautic/callback',
    });
    expect(() => mauticAppFromEnv({})).toThrow('MAUTIC_CLIENT_ID and MAUTIC_CLIENT_SECRET must be set');
  });
});

describe('when judging a refresh token’s age', () => {
  const now = Date.parse('2026-11-26T00:00:00Z');
  const at = (days: number) => ({
    kind: 'oauth2' as const,
    accessToken: 'a',
    refreshedAt: new Date(now - days * 86_400_000).toISOString(),
  });
  it.each([
    [1, 'fresh'],
    [7, 'renew'],
    [13.9, 'renew'],
    [14, 'expired'],
    [30, 'expired'],
  ])('should call a %s-day-old token %s', (days, state) => {
    expect(refreshTokenState(at(days), now, 7)).toBe(state);
  });
  it('should renew when the issue time is unknown and ignore basic auth', () => {
    expect(refreshTokenState({ kind: 'oauth2', accessToken: 'a' }, now, 7)).toBe('renew');
    expect(refreshTokenState({ kind: 'basic', username: 'u', password: 'p' }, now, 7)).toBe('fresh');
  });
});
