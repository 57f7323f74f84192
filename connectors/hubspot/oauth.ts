/**
 * HubSpot OAuth 2.0 (authorization code) on the v3 token endpoints: v1 is deprecated on 2027-02-16.
 * The SDK's `oauth.tokensApi` still posts to `/oauth/v1/token`, so the token calls go through the
 * SDK's raw `apiRequest` instead.
 */
import { Client } from '@hubspot/api-client';
import { z } from 'zod';

import type { ApiCallCounter, Credentials, OAuthApp, OAuthFlow } from '../../src/pipeline/ports.ts';
import { AuthError, ConfigError, TransientError } from '../../src/errors.ts';
import { unreachableMessage } from '../../src/http/unreachable.ts';

export const HUBSPOT_API_BASE_URL = 'https://api.hubapi.com';
export const HUBSPOT_AUTHORIZE_URL = 'https://app.hubspot.com/oauth/authorize';

/** Scopes the connector cannot work without. */
export const REQUIRED_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
];
/** Scopes that unlock more engagement (email events); the admin may decline them. */
export const OPTIONAL_SCOPES = ['content'];

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
  hub_id: z.number().optional(),
  scopes: z.array(z.string()).optional(),
});

const accessTokenInfoSchema = z.object({ hub_id: z.number(), scopes: z.array(z.string()).optional() });

/** HubSpot's answer when a refresh token or code is unknown, expired or revoked. */
const REVOKED_STATUSES = new Set(['BAD_REFRESH_TOKEN', 'BAD_AUTH_CODE', 'invalid_grant']);

export interface TokenGrant {
  credentials: Extract<Credentials, { kind: 'oauth2' }>;
  hubId?: number;
}

/** Where the admin's browser goes: HubSpot's app host, or `<baseUrl>/oauth/authorize` for a sandbox. */
export function authorizeEndpoint(baseUrl: string | undefined, override?: string): string {
  if (override && override !== HUBSPOT_AUTHORIZE_URL) return override;
  if (!baseUrl || trimSlash(baseUrl) === HUBSPOT_API_BASE_URL) return HUBSPOT_AUTHORIZE_URL;
  return `${trimSlash(baseUrl)}/oauth/authorize`;
}

export async function requestToken(
  baseUrl: string,
  form: Record<string, string>,
  now: () => Date,
  calls?: ApiCallCounter,
): Promise<TokenGrant> {
  const client = new Client({ basePath: trimSlash(baseUrl), numberOfApiCallRetries: 0 });
  calls?.count('hubspot', 'POST /oauth/v3/token');
  let res: Response;
  try {
    res = await client.apiRequest({
      method: 'POST',
      path: '/oauth/v3/token',
      body: new URLSearchParams(form).toString(),
      defaultJson: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  } catch (err) {
    throw new TransientError(unreachableMessage('HubSpot token endpoint', baseUrl, err));
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.status >= 500) throw new TransientError(`HubSpot token endpoint answered ${res.status}`);
  if (res.status !== 200) {
    const status = (body as { status?: unknown; error?: unknown } | null)?.status;
    const error = (body as { error?: unknown } | null)?.error;
    const code =
      typeof status === 'string' ? status : typeof error === 'string' ? error : `http_${res.status}`;
    if (REVOKED_STATUSES.has(code)) {
      throw new AuthError(
        `HubSpot refused the grant (${code}): reconnect the HubSpot account`,
        'invalid_grant',
      );
    }
    throw new ConfigError(
      `HubSpot token endpoint answered ${res.status} (${code}): check the OAuth app settings`,
    );
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new TransientError(`HubSpot token response is missing or malformed: ${fields}`);
  }
  const t = parsed.data;
  const issued = now();
  const refreshToken = t.refresh_token ?? form.refresh_token;
  return {
    credentials: {
      kind: 'oauth2',
      accessToken: t.access_token,
      ...(refreshToken ? { refreshToken } : {}),
      expiresAt: new Date(issued.getTime() + t.expires_in * 1000).toISOString(),
      ...(t.scopes ? { scopes: t.scopes } : {}),
      refreshedAt: issued.toISOString(),
    },
    ...(t.hub_id !== undefined ? { hubId: t.hub_id } : {}),
  };
}

/** Exchanges a refresh token; the old refresh token stays valid when HubSpot does not rotate it. */
export function refreshTokens(
  app: Pick<OAuthApp, 'clientId' | 'clientSecret'>,
  baseUrl: string,
  refreshToken: string,
  now: () => Date,
  calls?: ApiCallCounter,
): Promise<TokenGrant> {
  return requestToken(
    baseUrl,
    {
      grant_type: 'refresh_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: refreshToken,
    },
    now,
    calls,
  );
}

export function createHubspotOAuth(options: { authorizeUrl?: string; now?: () => Date } = {}): OAuthFlow {
  const now = options.now ?? (() => new Date());
  return {
    authorizeUrl(app, params) {
      const url = new URL(authorizeEndpoint(params.baseUrl, options.authorizeUrl));
      url.searchParams.set('client_id', app.clientId);
      url.searchParams.set('redirect_uri', app.redirectUri);
      url.searchParams.set('scope', REQUIRED_SCOPES.join(' '));
      url.searchParams.set('optional_scope', OPTIONAL_SCOPES.join(' '));
      url.searchParams.set('state', params.state);
      return url.toString();
    },

    async exchangeCode(app, params) {
      const baseUrl = trimSlash(params.baseUrl ?? HUBSPOT_API_BASE_URL);
      const form: Record<string, string> = {
        grant_type: 'authorization_code',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
        code: params.code,
      };
      if (params.codeVerifier) form.code_verifier = params.codeVerifier;
      const grant = await requestToken(baseUrl, form, now);
      const hubId = grant.hubId ?? (await lookUpHubId(baseUrl, grant.credentials.accessToken));
      return { credentials: grant.credentials, accountId: String(hubId), baseUrl };
    },

    async revoke(app, credentials, baseUrl) {
      if (credentials.kind !== 'oauth2' || !credentials.refreshToken) return;
      const client = new Client({ basePath: trimSlash(baseUrl), numberOfApiCallRetries: 0 });
      const res = await client.apiRequest({
        method: 'POST',
        path: '/oauth/v3/token/revoke',
        body: new URLSearchParams({
          token: credentials.refreshToken,
          token_type_hint: 'refresh_token',
          client_id: app.clientId,
          client_secret: app.clientSecret,
        }).toString(),
        defaultJson: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      // An already revoked token is what we wanted anyway.
      if (res.status >= 500) throw new TransientError(`HubSpot token revoke answered ${res.status}`);
    },
  };
}

/** Older token responses carry no `hub_id`: the token metadata endpoint has it. */
async function lookUpHubId(baseUrl: string, accessToken: string): Promise<number> {
  const client = new Client({ basePath: baseUrl, numberOfApiCallRetries: 0 });
  const info = await client.oauth.accessTokensApi.get(accessToken);
  const parsed = accessTokenInfoSchema.safeParse({ hub_id: info.hubId, scopes: info.scopes });
  if (!parsed.success) throw new TransientError('HubSpot access token metadata has no hub_id');
  return parsed.data.hub_id;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
