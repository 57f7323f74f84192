/**
 * The sandbox's OAuth2 server (`/oauth/v2/authorize`, `/oauth/v2/token`, auto-approving the consent
 * screen) and the API's auth checks, with Mautic's answers: the API switch, the basic-auth switch,
 * and 401s for missing, unknown and expired tokens.
 */
import { randomBytes } from 'node:crypto';

import type { Request, Response, Router } from 'express';

import { SANDBOX_OAUTH_APP } from '../../sandbox-types.ts';

/** The Mautic user basic auth accepts. */
export const SANDBOX_BASIC_AUTH = { username: 'sandbox-admin', password: 'sandbox-password' } as const;

export const ACCESS_TOKEN_TTL_MS = 60 * 60_000;
export const REFRESH_TOKEN_TTL_MS = 14 * 86_400_000;
const CODE_TTL_MS = 30_000;

export interface AuthSettings {
  apiEnabled: boolean;
  basicAuthEnabled: boolean;
}

export function sendErrors(res: Response, status: number, message: string, type: string | null = null): void {
  res.status(status).json({ errors: [{ message, code: status, type }] });
}

export class SandboxOAuth {
  private codes = new Map<string, { redirectUri: string; expiresMs: number }>();
  private access = new Map<string, number>();
  private refresh = new Map<string, number>();

  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  reset(): void {
    this.codes.clear();
    this.access.clear();
    this.refresh.clear();
  }

  /** Tokens without the browser round trip, for tests. */
  issueTokens() {
    const accessToken = randomBytes(24).toString('hex');
    const refreshToken = randomBytes(24).toString('hex');
    this.access.set(accessToken, this.now() + ACCESS_TOKEN_TTL_MS);
    this.refresh.set(refreshToken, this.now() + REFRESH_TOKEN_TTL_MS);
    return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_MS / 1000 };
  }

  /** Ends an access token now, as if 60 minutes had passed. */
  expireAccessToken(token: string): void {
    if (this.access.has(token)) this.access.set(token, this.now() - 1);
  }

  accessState(token: string): 'valid' | 'expired' | 'unknown' {
    const expires = this.access.get(token);
    if (expires === undefined) return 'unknown';
    return expires > this.now() ? 'valid' : 'expired';
  }

  mount(router: Router, count: (key: string) => void): void {
    router.get('/oauth/v2/authorize', (req, res) => {
      count('GET /oauth/v2/authorize');
      const q = req.query as Record<string, string | undefined>;
      if (q.client_id !== SANDBOX_OAUTH_APP.clientId) {
        res
          .status(400)
          .json({ error: 'invalid_client', error_description: 'The client credentials are invalid' });
        return;
      }
      if (q.response_type !== 'code' || !q.redirect_uri) {
        res
          .status(400)
          .json({ error: 'invalid_request', error_description: 'Invalid response type or redirect URI.' });
        return;
      }
      const code = randomBytes(16).toString('hex');
      this.codes.set(code, { redirectUri: q.redirect_uri, expiresMs: this.now() + CODE_TTL_MS });
      const target = new URL(q.redirect_uri);
      target.searchParams.set('code', code);
      if (q.state) target.searchParams.set('state', q.state);
      res.redirect(302, target.toString());
    });

    router.post('/oauth/v2/token', (req: Request, res: Response) => {
      count('POST /oauth/v2/token');
      const b = (req.body ?? {}) as Record<string, string | undefined>;
      const fail = (error: string, description: string) =>
        void res.status(400).json({ error, error_description: description });
      if (b.client_id !== SANDBOX_OAUTH_APP.clientId || b.client_secret !== SANDBOX_OAUTH_APP.clientSecret) {
        return fail('invalid_client', 'The client credentials are invalid');
      }
      if (b.grant_type === 'authorization_code') {
        const grant = b.code ? this.codes.get(b.code) : undefined;
        if (!grant || grant.expiresMs <= this.now()) {
          return fail('invalid_grant', 'The authorization code has expired');
        }
        if (grant.redirectUri !== b.redirect_uri) {
          return fail('redirect_uri_mismatch', 'The redirect URI is missing or do not match');
        }
        this.codes.delete(b.code!);
      } else if (b.grant_type === 'refresh_token') {
        const expires = b.refresh_token ? this.refresh.get(b.refresh_token) : undefined;
        if (expires === undefined) return fail('invalid_grant', 'Invalid refresh token');
        if (expires <= this.now()) return fail('invalid_grant', 'Refresh token has expired');
        // Each refresh issues a new refresh token and retires the old one.
        this.refresh.delete(b.refresh_token!);
      } else {
        return fail('unsupported_grant_type', 'Invalid grant_type parameter or parameter missing');
      }
      const t = this.issueTokens();
      res.json({
        access_token: t.accessToken,
        expires_in: t.expiresIn,
        token_type: 'bearer',
        scope: '',
        refresh_token: t.refreshToken,
      });
    });
  }

  /** Null when the request may proceed; otherwise the answer has been sent. */
  check(req: Request, res: Response, settings: AuthSettings): boolean {
    if (!settings.apiEnabled) {
      sendErrors(
        res,
        403,
        'API disabled. You need to enable the API in the API settings page of your Mautic account.',
        'api_disabled',
      );
      return false;
    }
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Basic ')) {
      if (!settings.basicAuthEnabled) {
        sendErrors(
          res,
          403,
          'Basic Auth disabled. You need to enable HTTP basic auth in the API settings page of your Mautic account.',
          'access_denied',
        );
        return false;
      }
      const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      if (user !== SANDBOX_BASIC_AUTH.username || rest.join(':') !== SANDBOX_BASIC_AUTH.password) {
        sendErrors(res, 401, 'Authorization denied, invalid credentials.', 'access_denied');
        return false;
      }
      return true;
    }
    const token = header.startsWith('Bearer ')
      ? header.slice(7)
      : (req.query.access_token as string | undefined);
    if (!token) {
      sendErrors(res, 401, 'API authorization denied.', 'access_denied');
      return false;
    }
    const state = this.accessState(token);
    if (state !== 'valid') {
      sendErrors(
        res,
        401,
        state === 'expired'
          ? 'The access token provided has expired.'
          : 'The access token provided is invalid.',
        'invalid_grant',
      );
      return false;
    }
    return true;
  }
}
