/**
 * Salesforce OAuth 2.0 web server flow with PKCE (S256) and `state`, on jsforce's OAuth2. The API
 * base of a connection is the token response's `instance_url`, never the login host.
 */
import { createHash, randomBytes } from 'node:crypto';

import { OAuth2, type TokenResponse } from 'jsforce';

import { AuthError } from '../../src/errors.ts';
import type { Credentials, OAuthApp, OAuthFlow } from '../../src/pipeline/ports.ts';
import { SALESFORCE_LOGIN_URL, SALESFORCE_SCOPES } from './config.ts';

/** A fresh PKCE pair: keep `verifier` server-side with the state, send `challenge` to authorize. */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(64).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** `https://login.salesforce.com/id/00Dxx…/005xx…` → the org id. */
export function orgIdFromIdentityUrl(url: string): string {
  const parts = new URL(url).pathname.split('/').filter(Boolean);
  const org = parts[parts.length - 2];
  if (!org) {
    throw new AuthError('Salesforce token response has no usable identity URL', 'invalid_token_response');
  }
  return org;
}

function oauth2For(
  app: Pick<OAuthApp, 'clientId' | 'clientSecret'> & { redirectUri?: string },
  loginUrl: string,
) {
  return new OAuth2({
    loginUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    ...(app.redirectUri ? { redirectUri: app.redirectUri } : {}),
  });
}

/** jsforce names OAuth errors after the `error` field (invalid_grant, …); the message may echo input. */
function oauthError(err: unknown, action: string): AuthError {
  const name = (err as { name?: unknown }).name;
  const code = typeof name === 'string' && /^[a-z_]+$/.test(name) ? name : 'oauth_error';
  return new AuthError(`Salesforce refused to ${action} (${code})`, code);
}

export function credentialsFromTokenResponse(
  res: TokenResponse,
  now: Date,
): Extract<Credentials, { kind: 'oauth2' }> {
  return {
    kind: 'oauth2',
    accessToken: res.access_token,
    ...(res.refresh_token ? { refreshToken: res.refresh_token } : {}),
    instanceUrl: res.instance_url,
    ...(res.scope ? { scopes: res.scope.split(' ').filter(Boolean) } : {}),
    refreshedAt: now.toISOString(),
  };
}

export const salesforceOAuth: OAuthFlow = {
  authorizeUrl(app, { state, codeChallenge, baseUrl }) {
    const params: Record<string, string> = { scope: SALESFORCE_SCOPES.join(' '), state };
    if (codeChallenge) params.code_challenge = codeChallenge;
    return oauth2For(app, baseUrl ?? SALESFORCE_LOGIN_URL).getAuthorizationUrl(params);
  },

  async exchangeCode(app, { code, codeVerifier, baseUrl }) {
    let res: TokenResponse;
    try {
      res = await oauth2For(app, baseUrl ?? SALESFORCE_LOGIN_URL).requestToken(
        code,
        codeVerifier ? { code_verifier: codeVerifier } : {},
      );
    } catch (err) {
      throw oauthError(err, 'exchange the authorization code');
    }
    if (!res.instance_url || !res.access_token) {
      throw new AuthError(
        'Salesforce token response lacks instance_url or access_token',
        'invalid_token_response',
      );
    }
    return {
      credentials: credentialsFromTokenResponse(res, new Date()),
      accountId: orgIdFromIdentityUrl(res.id),
      baseUrl: res.instance_url,
    };
  },

  async revoke(app, credentials, baseUrl) {
    if (credentials.kind !== 'oauth2') return;
    // Revoking the refresh token ends every access token issued from it.
    const token = credentials.refreshToken ?? credentials.accessToken;
    try {
      await oauth2For(app, credentials.instanceUrl ?? baseUrl).revokeToken(token);
    } catch (err) {
      throw oauthError(err, 'revoke the token');
    }
  },
};
