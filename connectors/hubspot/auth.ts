/**
 * Access tokens for one connection. HubSpot says a 401 is no reliable sign that a token expired, so
 * tokens are refreshed by their TTL (with a margin); a 401 forces one refresh at most. Refreshes go
 * through `CredentialStore.refresh`, which holds a per-connection lock across workers.
 */
import type { ConnectorContext, Credentials, OAuthApp } from '../../src/pipeline/ports.ts';
import { AuthError, ConfigError } from '../../src/errors.ts';
import { refreshTokens } from './oauth.ts';

/** Refresh this long before expiry, so a token never dies between check and use. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export type AppCredentials = Pick<OAuthApp, 'clientId' | 'clientSecret'>;

export class TokenProvider {
  private inflight: Promise<string> | undefined;
  /**
   * Read once, replaced by each refresh: the store may decrypt from a database on every read, and an
   * access token stays valid until it expires even when another worker has refreshed meanwhile.
   */
  private cached: Credentials | undefined;
  private readonly ctx: ConnectorContext;
  private readonly app: () => AppCredentials;

  constructor(ctx: ConnectorContext, app: () => AppCredentials) {
    this.ctx = ctx;
    this.app = app;
  }

  private now(): Date {
    return this.ctx.now?.() ?? new Date();
  }

  private fresh(c: Extract<Credentials, { kind: 'oauth2' }>): boolean {
    if (!c.expiresAt) return true;
    return Date.parse(c.expiresAt) - this.now().getTime() > EXPIRY_MARGIN_MS;
  }

  /** A token good for the next call, refreshing first when it is about to expire. */
  async accessToken(): Promise<string> {
    const c = (this.cached ??= await this.ctx.credentials.read());
    if (c.kind === 'private_app') return c.token;
    if (c.kind !== 'oauth2') throw new ConfigError(`HubSpot cannot use ${c.kind} credentials`);
    if (this.fresh(c)) return c.accessToken;
    return this.refresh(c.accessToken);
  }

  /**
   * Replaces `staleToken`. Concurrent callers in this process share one refresh; the credential
   * store's lock covers other workers, and whoever comes second finds fresh credentials and keeps them.
   */
  refresh(staleToken: string): Promise<string> {
    this.inflight ??= this.doRefresh(staleToken).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async doRefresh(staleToken: string): Promise<string> {
    let updated: Credentials;
    try {
      updated = await this.ctx.credentials.refresh(async (current) => {
        if (current.kind !== 'oauth2') return current;
        if (current.accessToken !== staleToken && this.fresh(current)) return current;
        if (!current.refreshToken) {
          throw new AuthError(
            'HubSpot access token expired and no refresh token is stored',
            'no_refresh_token',
          );
        }
        const grant = await refreshTokens(
          this.app(),
          this.ctx.connection.baseUrl,
          current.refreshToken,
          () => this.now(),
          this.ctx.calls,
        );
        this.ctx.log.info('hubspot token refreshed', { connection: this.ctx.connection.id });
        return grant.credentials;
      });
    } catch (err) {
      if (err instanceof AuthError) {
        await this.ctx.credentials.markNeedsReconnect(
          `HubSpot refused to refresh the access token (${err.code}): the app was uninstalled or access revoked. Reconnect HubSpot.`,
        );
      }
      throw err;
    }
    this.cached = updated;
    if (updated.kind === 'private_app') return updated.token;
    if (updated.kind !== 'oauth2') throw new ConfigError(`HubSpot cannot use ${updated.kind} credentials`);
    return updated.accessToken;
  }

  /** A token HubSpot rejected outright: for private apps there is nothing to refresh. */
  async rejected(token: string): Promise<string> {
    const c = (this.cached ??= await this.ctx.credentials.read());
    if (c.kind === 'oauth2') return this.refresh(token);
    const message = 'HubSpot rejected the private app token: create a new one and reconnect';
    await this.ctx.credentials.markNeedsReconnect(message);
    throw new AuthError(message, 'unauthorized');
  }
}
