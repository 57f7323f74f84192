/**
 * The sandbox's OAuth server: web server flow with PKCE (S256) and state, token refresh and
 * revocation, with Salesforce's error answers. Approval is automatic: `authorize` redirects
 * straight back with a code, as if an admin had logged in and allowed access.
 */
import { createHash, randomBytes } from 'node:crypto';

import express, { type Request, type Response, type Router } from 'express';

import { SANDBOX_OAUTH_APP } from '../../sandbox-types.ts';
import { KEY_PREFIX, to18 } from './ids.ts';

export const ORG_ID = to18(`${KEY_PREFIX.Org}5g000000SbX`);
export const USER_ID = to18(`${KEY_PREFIX.User}5g000000SbX`);
const CODE_TTL_MS = 15 * 60_000;

export interface SandboxTokenResponse {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
  signature: string;
  scope: string;
}

interface AccessGrant {
  expiresAt: number;
  refreshToken: string | null;
  scope: string;
}
interface AuthCode {
  redirectUri: string;
  codeChallenge: string | null;
  scope: string;
  expiresAt: number;
}

const token = (bytes = 24) => randomBytes(bytes).toString('base64url');

/**
 * A refresh token every sandbox instance accepts, like HubSpot's sandbox private app token: a
 * demo workspace saved with it keeps working against a sandbox started later in another process.
 */
export const SANDBOX_REFRESH_TOKEN = '5Aep-leadstage-sandbox-demo';

export class SandboxTokens {
  private access = new Map<string, AccessGrant>();
  private refresh = new Map<string, { scope: string }>();
  private codes = new Map<string, AuthCode>();

  private readonly publicUrl: string;
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(publicUrl: string, now: () => number, ttlMs: number) {
    this.publicUrl = publicUrl;
    this.now = now;
    this.ttlMs = ttlMs;
    this.refresh.set(SANDBOX_REFRESH_TOKEN, { scope: 'api refresh_token' });
  }

  reset(): void {
    this.access.clear();
    this.refresh.clear();
    this.codes.clear();
    this.refresh.set(SANDBOX_REFRESH_TOKEN, { scope: 'api refresh_token' });
  }

  /** Tokens as the token endpoint would grant them, without the browser dance (tests, demo). */
  issue(scope = 'api refresh_token'): SandboxTokenResponse {
    const withRefresh = /\b(refresh_token|offline_access|full)\b/.test(scope);
    const refreshToken = withRefresh ? `5Aep${token()}` : null;
    if (refreshToken) this.refresh.set(refreshToken, { scope });
    return this.grant(refreshToken, scope, true);
  }

  private grant(refreshToken: string | null, scope: string, includeRefresh: boolean): SandboxTokenResponse {
    const accessToken = `${ORG_ID.slice(0, 15)}!${token(36)}`;
    this.access.set(accessToken, { expiresAt: this.now() + this.ttlMs, refreshToken, scope });
    const issuedAt = String(this.now());
    return {
      access_token: accessToken,
      ...(includeRefresh && refreshToken ? { refresh_token: refreshToken } : {}),
      instance_url: this.publicUrl,
      id: `${this.publicUrl}/id/${ORG_ID}/${USER_ID}`,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature: createHash('sha256')
        .update(accessToken + issuedAt)
        .digest('base64'),
      scope,
    };
  }

  isValid(accessToken: string): boolean {
    const grant = this.access.get(accessToken);
    return !!grant && grant.expiresAt > this.now();
  }

  /** Every access token expires now (refresh tokens stay valid): the next call gets a 401. */
  expireAccessTokens(): void {
    for (const grant of this.access.values()) grant.expiresAt = 0;
  }

  /** Revokes an access token, or a refresh token and every access token issued from it. */
  revoke(value: string): boolean {
    if (this.refresh.delete(value)) {
      for (const [k, g] of this.access) if (g.refreshToken === value) this.access.delete(k);
      return true;
    }
    return this.access.delete(value);
  }

  router(count: (key: string) => void): Router {
    const router = express.Router();
    const form = express.urlencoded({ extended: false });

    router.get('/services/oauth2/authorize', (req, res) => {
      count('GET /services/oauth2/authorize');
      const q = req.query as Record<string, string | undefined>;
      if (q.client_id !== SANDBOX_OAUTH_APP.clientId) {
        res.status(400).json({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
        return;
      }
      if (!q.redirect_uri) {
        res.status(400).json({
          error: 'redirect_uri_mismatch',
          error_description: 'redirect_uri must match configuration',
        });
        return;
      }
      const back = new URL(q.redirect_uri);
      if (q.state !== undefined) back.searchParams.set('state', q.state);
      if (q.response_type !== 'code') {
        back.searchParams.set('error', 'unsupported_response_type');
        back.searchParams.set('error_description', 'response type not supported');
        res.redirect(302, back.toString());
        return;
      }
      if (q.code_challenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) {
        back.searchParams.set('error', 'invalid_request');
        back.searchParams.set('error_description', 'invalid code_challenge');
        res.redirect(302, back.toString());
        return;
      }
      const code = `aPrx${token()}`;
      this.codes.set(code, {
        redirectUri: q.redirect_uri,
        codeChallenge: q.code_challenge ?? null,
        scope: q.scope ?? 'api refresh_token',
        expiresAt: this.now() + CODE_TTL_MS,
      });
      back.searchParams.set('code', code);
      res.redirect(302, back.toString());
    });

    router.post('/services/oauth2/token', form, (req, res) => {
      count('POST /services/oauth2/token');
      const body = (req.body ?? {}) as Record<string, string | undefined>;
      const fail = (error: string, description: string, status = 400) =>
        res.status(status).json({ error, error_description: description });
      if (
        body.client_id !== SANDBOX_OAUTH_APP.clientId ||
        body.client_secret !== SANDBOX_OAUTH_APP.clientSecret
      ) {
        fail('invalid_client', 'invalid client credentials');
        return;
      }
      if (body.grant_type === 'authorization_code') {
        const code = body.code ? this.codes.get(body.code) : undefined;
        if (body.code) this.codes.delete(body.code); // single use, even when the exchange fails
        if (!code || code.expiresAt < this.now()) {
          fail('invalid_grant', 'invalid authorization code');
          return;
        }
        if (body.redirect_uri !== code.redirectUri) {
          fail('invalid_grant', 'redirect_uri must match configuration');
          return;
        }
        if (code.codeChallenge || body.code_verifier) {
          const expected = body.code_verifier
            ? createHash('sha256').update(body.code_verifier).digest('base64url')
            : null;
          if (!code.codeChallenge || expected !== code.codeChallenge) {
            fail('invalid_grant', 'invalid code verifier');
            return;
          }
        }
        res.json(this.issue(code.scope));
        return;
      }
      if (body.grant_type === 'refresh_token') {
        const grant = body.refresh_token ? this.refresh.get(body.refresh_token) : undefined;
        if (!grant || !body.refresh_token) {
          fail('invalid_grant', 'expired access/refresh token');
          return;
        }
        // No rotation: the refresh token stays the same and is not sent back.
        res.json(this.grant(body.refresh_token, grant.scope, false));
        return;
      }
      fail('unsupported_grant_type', 'grant type not supported');
    });

    const revoke = (req: Request, res: Response) => {
      count(`${req.method} /services/oauth2/revoke`);
      const value = ((req.body as Record<string, string> | undefined)?.token ?? req.query.token) as
        string | undefined;
      if (!value || !this.revoke(value)) {
        res
          .status(400)
          .type('application/x-www-form-urlencoded')
          .send('error=invalid_token&error_description=invalid+token');
        return;
      }
      res.status(200).end();
    };
    router.post('/services/oauth2/revoke', form, revoke);
    router.get('/services/oauth2/revoke', revoke);

    router.get('/id/:org/:user', (req, res) => {
      count('GET /id/:org/:user');
      const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
      if (!bearer || !this.isValid(bearer)) {
        res.status(403).send('Bad_OAuth_Token');
        return;
      }
      res.json({
        id: `${this.publicUrl}/id/${ORG_ID}/${USER_ID}`,
        organization_id: ORG_ID,
        user_id: USER_ID,
        username: 'admin@leadstage-sandbox.example',
        display_name: 'Sandbox Admin',
        urls: { rest: `${this.publicUrl}/services/data/v{version}/` },
      });
    });
    return router;
  }
}
