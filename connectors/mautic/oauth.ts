/**
 * Mautic's OAuth2 authorization-code flow. Tokens come from the instance itself, so every URL is built
 * from the connection's base URL. Access tokens live 60 minutes, refresh tokens 14 days; each refresh
 * returns a new refresh token, so a connection that refreshes at least every 14 days never expires.
 * Mautic has no revoke endpoint: disconnecting means deleting the API credentials in Mautic.
 * @see https://github.com/mautic/mautic/blob/5.x/app/bundles/ApiBundle/Config/config.php (lifetimes)
 */
import axios from 'axios';

import type { Credentials, OAuthApp, OAuthFlow } from '../../src/pipeline/ports.ts';
import { AuthError, ConfigError, TransientError } from '../../src/errors.ts';
import { unreachableMessage } from '../../src/http/unreachable.ts';
import { apiDisabledError, readError } from './errors.ts';
import { tokenResponseSchema } from './wire.ts';

export const ACCESS_TOKEN_LIFETIME_S = 3600;
export const REFRESH_TOKEN_LIFETIME_MS = 14 * 86_400_000;

/** Trims trailing slashes and a trailing `/api`, so `https://m.example.com/api/` works too. */
export function normalizeBaseUrl(baseUrl: string | undefined): string {
  if (!baseUrl) throw new ConfigError('a Mautic connection needs the base URL of the Mautic instance');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`the Mautic base URL "${baseUrl}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`the Mautic base URL must be http(s), got "${url.protocol}"`);
  }
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/api$/, '');
}

export interface TokenRequestOptions {
  timeoutMs?: number;
  now?: () => Date;
}

/** POSTs a form to `/oauth/v2/token` and turns the answer into oauth2 credentials. */
export async function requestToken(
  baseUrl: string,
  form: Record<string, string>,
  options: TokenRequestOptions = {},
): Promise<Credentials & { kind: 'oauth2' }> {
  const now = options.now ?? (() => new Date());
  let res;
  try {
    res = await axios.post(`${baseUrl}/oauth/v2/token`, new URLSearchParams(form).toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      timeout: options.timeoutMs ?? 30_000,
      validateStatus: () => true,
    });
  } catch (err) {
    throw new TransientError(unreachableMessage('Mautic token endpoint', baseUrl, err));
  }
  if (res.status >= 500 || res.status === 429) {
    throw new TransientError(`Mautic token endpoint answered ${res.status}`);
  }
  if (res.status !== 200) {
    const info = readError(res.status, res.data);
    if (info.type === 'api_disabled') throw apiDisabledError(baseUrl);
    // RFC 6749 codes only: the description can echo what was sent, so it stays out of the message.
    const code = info.type === 'invalid_client' ? 'invalid_client' : 'invalid_grant';
    throw new AuthError(
      code === 'invalid_client'
        ? `Mautic at ${baseUrl} rejected the OAuth client id or secret (${res.status})`
        : `Mautic at ${baseUrl} rejected the ${form.grant_type} grant (${res.status} ${info.type ?? ''})`.trim(),
      code,
    );
  }
  const parsed = tokenResponseSchema.safeParse(res.data);
  if (!parsed.success) {
    throw new AuthError(`Mautic token endpoint answered without an access_token`, 'invalid_token_response');
  }
  const issuedAt = now();
  const expiresIn = parsed.data.expires_in ?? ACCESS_TOKEN_LIFETIME_S;
  return {
    kind: 'oauth2',
    accessToken: parsed.data.access_token,
    ...(parsed.data.refresh_token ? { refreshToken: parsed.data.refresh_token } : {}),
    expiresAt: new Date(issuedAt.getTime() + expiresIn * 1000).toISOString(),
    refreshedAt: issuedAt.toISOString(),
  };
}

export function refreshWithToken(
  app: OAuthApp,
  baseUrl: string,
  refreshToken: string,
  options?: TokenRequestOptions,
) {
  return requestToken(
    baseUrl,
    {
      grant_type: 'refresh_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
      refresh_token: refreshToken,
    },
    options,
  );
}

export type RefreshTokenState = 'fresh' | 'renew' | 'expired';

/**
 * How close the refresh token is to its 14-day death. `refreshedAt` is when the current refresh
 * token was issued; unknown counts as `renew` so the next use learns it.
 */
export function refreshTokenState(
  creds: Credentials,
  nowMs: number,
  renewAfterDays: number,
): RefreshTokenState {
  if (creds.kind !== 'oauth2') return 'fresh';
  const issued = creds.refreshedAt ? Date.parse(creds.refreshedAt) : NaN;
  if (!Number.isFinite(issued)) return 'renew';
  const age = nowMs - issued;
  if (age >= REFRESH_TOKEN_LIFETIME_MS) return 'expired';
  return age >= renewAfterDays * 86_400_000 ? 'renew' : 'fresh';
}

export const mauticOAuth: OAuthFlow = {
  authorizeUrl(app, { state, baseUrl }) {
    const base = normalizeBaseUrl(baseUrl);
    const q = new URLSearchParams({
      client_id: app.clientId,
      grant_type: 'authorization_code',
      redirect_uri: app.redirectUri,
      response_type: 'code',
      state,
    });
    return `${base}/oauth/v2/authorize?${q.toString()}`;
  },

  async exchangeCode(app, { code, baseUrl }) {
    const base = normalizeBaseUrl(baseUrl);
    const credentials = await requestToken(base, {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
      code,
    });
    return { credentials, accountId: new URL(base).host, baseUrl: base };
  },
};
