/**
 * The Authorization header for each call. OAuth2 tokens are refreshed by TTL before they expire, and
 * renewed early once the refresh token is a week old, so a connection in use never hits Mautic's
 * 14-day refresh-token limit; one that sat idle past it is flagged for reconnect instead of failing
 * every run. Refreshes go through the credential store's lock: one at a time, even across workers.
 */
import type { ConnectorContext, Credentials, OAuthApp } from '../../src/pipeline/ports.ts';
import { AuthError, ConfigError } from '../../src/errors.ts';
import { refreshTokenState, refreshWithToken } from './oauth.ts';

/** Refresh this long before `expiresAt`, so a token never expires mid-request. */
const EXPIRY_MARGIN_MS = 60_000;

export interface AuthHeader {
  value: string;
  kind: Credentials['kind'];
  /** The access token used, so a 401 can tell whether someone refreshed meanwhile. */
  accessToken?: string;
}

export interface MauticAuthOptions {
  baseUrl: string;
  app: () => OAuthApp;
  renewAfterDays: number;
  timeoutMs: number;
  /** Runs around the token call so it is rate limited and counted like any other. */
  around: <T>(endpoint: string, call: () => Promise<T>) => Promise<T>;
}

type OAuth2 = Credentials & { kind: 'oauth2' };

export class MauticAuth {
  private readonly ctx: ConnectorContext;
  private readonly options: MauticAuthOptions;

  constructor(ctx: ConnectorContext, options: MauticAuthOptions) {
    this.ctx = ctx;
    this.options = options;
  }

  private nowMs(): number {
    return (this.ctx.now?.() ?? new Date()).getTime();
  }

  async header(): Promise<AuthHeader> {
    const stored = await this.ctx.credentials.read();
    if (stored.kind === 'basic') {
      const encoded = Buffer.from(`${stored.username}:${stored.password}`).toString('base64');
      return { value: `Basic ${encoded}`, kind: 'basic' };
    }
    if (stored.kind !== 'oauth2') {
      throw new ConfigError('Mautic connects with OAuth2 or basic auth, not a private app token');
    }
    const creds = this.needsRefresh(stored) ? await this.refresh() : stored;
    return { value: `Bearer ${creds.accessToken}`, kind: 'oauth2', accessToken: creds.accessToken };
  }

  private needsRefresh(creds: OAuth2): boolean {
    const state = refreshTokenState(creds, this.nowMs(), this.options.renewAfterDays);
    if (state !== 'fresh') return true;
    const expires = creds.expiresAt ? Date.parse(creds.expiresAt) : NaN;
    return !Number.isFinite(expires) || expires - this.nowMs() <= EXPIRY_MARGIN_MS;
  }

  /**
   * Refreshes under the store's lock. With `rejected`, the access token a 401 came back for: when
   * the stored token already differs, another caller refreshed and that token is used as is.
   */
  async refresh(rejected?: string): Promise<OAuth2> {
    let deadReason: string | null = null;
    try {
      const next = await this.ctx.credentials.refresh(async (current) => {
        if (current.kind !== 'oauth2') return current;
        const replaced = rejected !== undefined && current.accessToken !== rejected;
        if (replaced || (rejected === undefined && !this.needsRefresh(current))) return current;
        if (refreshTokenState(current, this.nowMs(), this.options.renewAfterDays) === 'expired') {
          deadReason = 'its refresh token expired after 14 days without a sync';
          throw new AuthError('Mautic refresh token expired', 'refresh_token_expired');
        }
        if (!current.refreshToken) {
          deadReason = 'it has no refresh token';
          throw new AuthError('Mautic connection has no refresh token', 'invalid_grant');
        }
        const token = current.refreshToken;
        return this.options.around('POST /oauth/v2/token', () =>
          refreshWithToken(this.options.app(), this.options.baseUrl, token, {
            timeoutMs: this.options.timeoutMs,
            now: () => new Date(this.nowMs()),
          }),
        );
      });
      if (next.kind !== 'oauth2') throw new ConfigError('Mautic credentials changed kind during a refresh');
      return next;
    } catch (err) {
      if (err instanceof AuthError) {
        deadReason ??=
          'Mautic rejected the refresh token (revoked, expired or the API credentials were deleted)';
        await this.ctx.credentials.markNeedsReconnect(
          `Reconnect Mautic at ${this.options.baseUrl}: ${deadReason}.`,
        );
      }
      throw err;
    }
  }
}
