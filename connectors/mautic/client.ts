/**
 * One way to call a Mautic instance: rate limited through `ctx.limiter`, counted per endpoint, with
 * the auth header, retries with backoff on 429/5xx/network errors, one token refresh on a 401, and
 * Mautic's error bodies turned into typed errors. Responses are validated by the caller's zod schema.
 */
import axios, { type AxiosResponse } from 'axios';
import type { z } from 'zod';

import type { ConnectorContext } from '../../src/pipeline/ports.ts';
import { RateLimitedError, TransientError, ValidationError, retryAfterMs } from '../../src/errors.ts';
import { unreachableMessage } from '../../src/http/unreachable.ts';
import type { MauticAuth } from './auth.ts';
import type { MauticConfig } from './config.ts';
import { MauticBatchLimitError, batchLimitFrom, errorForStatus, readError } from './errors.ts';
import { toPhpQuery, type QueryValue } from './php-query.ts';

export interface MauticRequest<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path below `/api`, e.g. `/contacts`. */
  path: string;
  /** Counter key, e.g. `GET /api/contacts`; defaults to method and path. */
  endpoint?: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  schema: S;
}

export interface MauticResponse<T> {
  data: T;
  /** The server's clock (`Date` header), the only safe origin for the next incremental window. */
  serverDate: Date | null;
}

const MAX_BACKOFF_MS = 30_000;
/** Mautic's limiter counts per hour: never wait longer than that for one reset. */
const MAX_RESET_WAIT_MS = 3_600_000;

/**
 * The wait until `X-RateLimit-Reset`, the Unix time (seconds) at which Mautic's limiter
 * (NoxlogicRateLimitBundle, set up in app/config/config.php) starts a new period; Mautic sends no
 * Retry-After. Measured against the answer's `Date` header, so clock skew doesn't matter.
 */
export function resetWaitMs(reset: string | undefined, date: unknown): number | null {
  if (!reset || !/^\d+$/.test(reset.trim())) return null;
  const serverMs = typeof date === 'string' ? Date.parse(date) : NaN;
  const origin = Number.isFinite(serverMs) ? serverMs : Date.now();
  const wait = Number(reset) * 1000 - origin;
  return Math.min(MAX_RESET_WAIT_MS, Math.max(1000, wait));
}

export class MauticClient {
  readonly baseUrl: string;
  private readonly bucket: string;
  private readonly ctx: ConnectorContext;
  private readonly auth: MauticAuth;
  private readonly config: MauticConfig;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    ctx: ConnectorContext,
    auth: MauticAuth,
    config: MauticConfig,
    baseUrl: string,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.ctx = ctx;
    this.auth = auth;
    this.config = config;
    this.baseUrl = baseUrl;
    this.sleep = sleep;
    this.bucket = `mautic:${ctx.connection.id}`;
  }

  /** Waits for the rate limiter and counts the call; used for token calls too. */
  async around<T>(endpoint: string, call: () => Promise<T>): Promise<T> {
    await this.ctx.limiter.acquire(this.bucket, this.config.rateLimit);
    this.ctx.calls.count('mautic', endpoint);
    return call();
  }

  async request<S extends z.ZodType>(req: MauticRequest<S>): Promise<MauticResponse<z.output<S>>> {
    const endpoint = req.endpoint ?? `${req.method} /api${req.path}`;
    const query = req.query ? toPhpQuery(req.query) : '';
    const url = `${this.baseUrl}/api${req.path}${query ? `?${query}` : ''}`;
    let refreshed = false;
    let lastError: Error | null = null;

    for (let attempt = 1; attempt <= this.config.maxAttempts;) {
      const header = await this.auth.header();
      let res: AxiosResponse<unknown>;
      try {
        res = await this.around(endpoint, () =>
          axios.request({
            method: req.method,
            url,
            data: req.body,
            headers: { authorization: header.value, accept: 'application/json' },
            timeout: this.config.requestTimeoutMs,
            validateStatus: () => true,
          }),
        );
      } catch (err) {
        lastError = new TransientError(unreachableMessage(`Mautic ${endpoint}`, this.baseUrl, err));
        this.ctx.log.warn('Mautic call failed, retrying', {
          endpoint,
          attempt,
          error: (err as Error).message,
        });
        await this.backoff(attempt++);
        continue;
      }

      if (res.status >= 200 && res.status < 300) return this.parse(req.schema, res, endpoint);

      const info = readError(res.status, res.data);
      if (res.status === 401 && header.kind === 'oauth2' && !refreshed) {
        // An expired or revoked access token: refresh once (the lock dedupes concurrent refreshes).
        refreshed = true;
        await this.auth.refresh(header.accessToken);
        continue;
      }
      if (res.status === 429) {
        const waitMs =
          retryAfterMs(res.headers['retry-after'] as string | undefined) ??
          resetWaitMs(res.headers['x-ratelimit-reset'] as string | undefined, res.headers.date) ??
          this.delay(attempt);
        await this.ctx.limiter.pause(this.bucket, waitMs);
        lastError = new RateLimitedError(`Mautic rate limit on ${endpoint}`, waitMs, 'mautic');
        this.ctx.log.warn('Mautic rate limit, waiting', { endpoint, attempt, waitMs });
        attempt++;
        continue;
      }
      const batchLimit = res.status === 500 ? batchLimitFrom(info.message) : null;
      if (batchLimit !== null) throw new MauticBatchLimitError(batchLimit, `${endpoint}: ${info.message}`);
      if (res.status >= 500) {
        lastError = new TransientError(`${endpoint} answered ${res.status}: ${info.message}`);
        this.ctx.log.warn('Mautic server error, retrying', { endpoint, attempt, status: res.status });
        await this.backoff(attempt++);
        continue;
      }
      const err = errorForStatus(info, this.baseUrl, header.kind === 'basic');
      if (res.status === 401 && header.kind === 'oauth2') {
        await this.ctx.credentials.markNeedsReconnect(
          `Reconnect Mautic at ${this.baseUrl}: the access token was refused right after a refresh.`,
        );
      }
      throw err;
    }
    throw lastError ?? new TransientError(`${endpoint} failed`);
  }

  private parse<S extends z.ZodType>(schema: S, res: AxiosResponse<unknown>, endpoint: string) {
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ValidationError(
        `unexpected ${endpoint} response at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const date = res.headers.date as string | undefined;
    const serverMs = date ? Date.parse(date) : NaN;
    return {
      data: parsed.data,
      serverDate: Number.isFinite(serverMs) ? new Date(serverMs) : null,
    };
  }

  private delay(attempt: number): number {
    const cap = Math.min(MAX_BACKOFF_MS, this.config.retryBaseMs * 2 ** (attempt - 1));
    return cap / 2 + Math.random() * (cap / 2);
  }

  private async backoff(attempt: number): Promise<void> {
    if (attempt < this.config.maxAttempts) await this.sleep(this.delay(attempt));
  }
}
