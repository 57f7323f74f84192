/**
 * One jsforce Connection per connector instance, wrapped so every call is paced, counted, checked
 * against the org's daily API budget, and fails with leadstage's typed errors. Token refresh goes
 * through the connection's CredentialStore lock, once: a session still refused right after a
 * refresh marks the connection as needing a reconnect instead of refreshing in a loop.
 */
import { Connection, OAuth2, type TokenResponse } from 'jsforce';

import { ApiLimitExceededError, AuthError, SyncError, TransientError } from '../../src/errors.ts';
import { unreachableMessage } from '../../src/http/unreachable.ts';
import { type RequestTimeouts, requestTimeouts, withDeadline } from '../../src/http/timeouts.ts';
import type { ConnectorContext, Credentials } from '../../src/pipeline/ports.ts';
import { SALESFORCE_API_VERSION, type SalesforceConfig } from './config.ts';

export interface SalesforceApp {
  clientId: string;
  clientSecret: string;
}

/** A Salesforce error that is not one of the typed cases (bad SOQL, unknown field, …). */
export class SalesforceRequestError extends SyncError {
  readonly code = 'salesforce_error';
  readonly retryable = false;
  readonly sfErrorCode: string;
  constructor(sfErrorCode: string, message: string) {
    super(`Salesforce ${sfErrorCode}: ${message}`);
    this.sfErrorCode = sfErrorCode;
  }
}

export interface ApiUsage {
  used: number;
  limit: number;
}

/** `Sforce-Limit-Info: api-usage=10018/100000; api-bursts=1/750` → {used, limit}. */
export function parseLimitInfo(header: string | null | undefined): ApiUsage | undefined {
  const m = header?.match(/api-usage=(\d+)\/(\d+)/);
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}

/** Salesforce codes worth retrying later; everything else is a fault of the request. */
const TRANSIENT_SF_CODES = new Set(['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW', 'REQUEST_RUNNING_TOO_LONG']);
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

export class SalesforceClient {
  readonly conn: Connection;
  private usage: ApiUsage | undefined;
  /** Set by a refresh and cleared by the next successful call: a second refresh in a row is refused. */
  private refreshedWithoutSuccess = false;
  private authFailure: AuthError | undefined;
  /** A refresh that failed for a passing reason (token endpoint down), reported instead of jsforce's wrapper. */
  private refreshFailure: TransientError | undefined;
  private readonly bucket: string;

  private readonly ctx: ConnectorContext;
  private readonly config: SalesforceConfig;
  private readonly app: SalesforceApp | undefined;
  private readonly loginUrl: string | undefined;
  private readonly timeouts: RequestTimeouts = requestTimeouts();

  private constructor(
    ctx: ConnectorContext,
    config: SalesforceConfig,
    credentials: Extract<Credentials, { kind: 'oauth2' }>,
    app: SalesforceApp | undefined,
    loginUrl: string | undefined,
  ) {
    this.ctx = ctx;
    this.config = config;
    this.app = app;
    this.loginUrl = loginUrl;
    this.bucket = `salesforce:${ctx.connection.id}`;
    const instanceUrl = credentials.instanceUrl ?? ctx.connection.baseUrl;
    this.conn = new Connection({
      instanceUrl,
      accessToken: credentials.accessToken,
      version: SALESFORCE_API_VERSION,
      // Our own refresh function: it runs under the store's per-connection lock, so two workers
      // never both spend the refresh token, and it persists before jsforce retries the call.
      refreshFn: (conn, callback) => {
        this.refreshSession(conn.accessToken ?? '').then(
          ({ credentials: fresh, response }) => {
            if (fresh.kind === 'oauth2' && fresh.instanceUrl) conn.instanceUrl = fresh.instanceUrl;
            callback(null, fresh.kind === 'oauth2' ? fresh.accessToken : '', response);
          },
          (err: unknown) => {
            callback(err instanceof Error ? err : new Error(String(err)));
          },
        );
      },
    });
    // jsforce emits `refresh` once the new token is in place (and already saved by refreshSession).
    this.conn.on('refresh', () => this.ctx.log.info('salesforce session refreshed'));
  }

  static async open(
    ctx: ConnectorContext,
    config: SalesforceConfig,
    options: { app?: SalesforceApp | undefined; loginUrl?: string | undefined } = {},
  ): Promise<SalesforceClient> {
    const credentials = await ctx.credentials.read();
    if (credentials.kind !== 'oauth2') {
      throw new AuthError(
        `Salesforce needs OAuth2 credentials, the connection has ${credentials.kind}`,
        'wrong_credentials',
      );
    }
    return new SalesforceClient(ctx, config, credentials, options.app, options.loginUrl);
  }

  /** The org's daily API usage as of the last response (undefined before the first call). */
  apiUsage(): ApiUsage | undefined {
    return this.usage;
  }

  /** Runs one API call: budget check, pacing, counting, error translation. */
  async call<T>(endpoint: string, fn: (conn: Connection) => PromiseLike<T>, weight = 1): Promise<T> {
    if (this.authFailure) throw this.authFailure;
    this.checkBudget();
    await this.ctx.limiter.acquire(this.bucket, { max: this.config.requestsPerSecond, windowMs: 1000 });
    this.ctx.calls.count('salesforce', endpoint, weight);
    try {
      // Bulk API jobs (uploads, results) move far more data per request than REST calls.
      const ms = /bulk|jobs/i.test(endpoint) ? this.timeouts.bulkMs : this.timeouts.requestMs;
      const result = await withDeadline(`Salesforce ${endpoint}`, ms, () => fn(this.conn));
      this.refreshedWithoutSuccess = false;
      return result;
    } catch (err) {
      throw await this.translate(err);
    } finally {
      this.readUsage();
    }
  }

  private readUsage(): void {
    const u = this.conn.limitInfo?.apiUsage;
    if (u && Number.isFinite(u.used) && Number.isFinite(u.limit) && u.limit > 0) {
      this.usage = { ...u };
      this.ctx.calls.budget?.('salesforce', Math.max(0, u.limit - u.used), u.limit);
    }
  }

  private checkBudget(): void {
    if (!this.usage) return;
    const allowed = Math.floor(this.usage.limit * this.config.apiShare);
    if (this.usage.used >= allowed) {
      throw new ApiLimitExceededError(
        `Salesforce API budget used: ${this.usage.used} of ${this.usage.limit} daily requests, ` +
          `leadstage may use ${Math.round(this.config.apiShare * 100)}% (${allowed}); resuming later`,
        'salesforce',
      );
    }
  }

  private async translate(err: unknown): Promise<Error> {
    if (this.authFailure) return this.authFailure;
    if (err instanceof SyncError) return err;
    const e = err as { errorCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
    const sfCode = typeof e.errorCode === 'string' ? e.errorCode : undefined;
    const message = typeof e.message === 'string' ? e.message : String(err);
    if (sfCode === 'REQUEST_LIMIT_EXCEEDED') {
      return new ApiLimitExceededError(
        `Salesforce refused the call: daily API request limit exceeded (${message})`,
        'salesforce',
      );
    }
    if (message.startsWith('Unable to refresh session') && this.refreshFailure) {
      const transient = this.refreshFailure;
      this.refreshFailure = undefined;
      return transient;
    }
    if (sfCode === 'INVALID_SESSION_ID' || message.startsWith('Unable to refresh session')) {
      const failure = new AuthError(
        'Salesforce session is invalid and could not be refreshed',
        'invalid_session',
      );
      await this.ctx.credentials.markNeedsReconnect(failure.message);
      return failure;
    }
    if (sfCode && (TRANSIENT_SF_CODES.has(sfCode) || /^ERROR_HTTP_5\d\d$/.test(sfCode))) {
      return new TransientError(`Salesforce ${sfCode}: ${message}`, { cause: err });
    }
    if (typeof e.code === 'string' && TRANSIENT_NETWORK_CODES.has(e.code)) {
      return new TransientError(unreachableMessage('Salesforce', this.conn.instanceUrl, err), { cause: err });
    }
    if (sfCode) return new SalesforceRequestError(sfCode, message);
    return err instanceof Error ? err : new Error(message);
  }

  private async refreshSession(
    failedToken: string,
  ): Promise<{ credentials: Credentials; response: TokenResponse | undefined }> {
    try {
      if (this.refreshedWithoutSuccess) {
        throw new AuthError('Salesforce refused the session again right after a refresh', 'invalid_session');
      }
      let response: TokenResponse | undefined;
      const credentials = await this.ctx.credentials.refresh(async (current) => {
        if (current.kind !== 'oauth2') {
          throw new AuthError('Salesforce credentials are not OAuth2', 'wrong_credentials');
        }
        // Another worker refreshed while we waited for the lock: use its token.
        if (current.accessToken !== failedToken) return current;
        if (!current.refreshToken) {
          throw new AuthError('Salesforce session expired and no refresh token is stored');
        }
        if (!this.app) {
          throw new AuthError('Salesforce session expired and no OAuth client is configured to refresh it');
        }
        const oauth2 = new OAuth2({
          loginUrl: this.loginUrl ?? current.instanceUrl ?? this.ctx.connection.baseUrl,
          clientId: this.app.clientId,
          clientSecret: this.app.clientSecret,
        });
        this.ctx.calls.count('salesforce', 'POST /services/oauth2/token');
        try {
          response = await oauth2.refreshToken(current.refreshToken);
        } catch (err) {
          // jsforce names the error after the OAuth `error` field, or ERROR_HTTP_<status>.
          const name = (err as { name?: unknown }).name;
          if (
            err instanceof TypeError ||
            (typeof name === 'string' && /^ERROR_HTTP_(5\d\d|429)$/.test(name))
          ) {
            throw new TransientError('Salesforce token endpoint unavailable; refresh later', { cause: err });
          }
          throw new AuthError(
            `Salesforce refused the refresh token (${typeof name === 'string' ? name : 'error'})`,
            'invalid_grant',
          );
        }
        const now = (this.ctx.now?.() ?? new Date()).toISOString();
        const { expiresAt: _expired, ...rest } = current;
        return {
          ...rest,
          accessToken: response.access_token,
          // Salesforce only returns a new refresh token when rotation is on.
          ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
          instanceUrl: response.instance_url || current.instanceUrl || this.ctx.connection.baseUrl,
          refreshedAt: now,
        };
      });
      this.refreshedWithoutSuccess = true;
      return { credentials, response };
    } catch (err) {
      if (err instanceof TransientError) {
        // Not the connection's fault: the call fails as retryable, the next one may refresh again.
        this.refreshFailure = err;
        throw err;
      }
      const failure =
        err instanceof AuthError
          ? err
          : new AuthError('Salesforce token refresh failed', 'refresh_failed', { cause: err });
      this.authFailure = failure;
      await this.ctx.credentials.markNeedsReconnect(failure.message);
      throw failure;
    }
  }
}
