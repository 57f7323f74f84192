/**
 * Every HubSpot call goes through `HubspotApi.call`: it takes a slot from the shared rate limiter,
 * supplies a fresh token, counts the call, reads the rate-limit headers, and retries 429 / 5xx /
 * network failures with backoff and jitter.
 *
 * The SDK's own retry decorator stays off (`numberOfApiCallRetries: 0`) and so does its Bottleneck
 * limiter (no `limiterOptions`): its retries ignore `Retry-After` and never retry a DAILY 429, its
 * limiter only knows this process, and both are installed process-wide through a singleton, so
 * enabling them would multiply our retries for every client in the process.
 */
import { Client } from '@hubspot/api-client';

import type { ConnectorContext } from '../../src/pipeline/ports.ts';
import {
  ApiLimitExceededError,
  AuthError,
  RateLimitedError,
  SyncError,
  TransientError,
  retryAfterMs,
} from '../../src/errors.ts';
import type { RateBudget } from '../../src/http/rate-limiter.ts';
import { unreachableMessage } from '../../src/http/unreachable.ts';
import { RequestTimeoutError, requestTimeouts, withDeadline } from '../../src/http/timeouts.ts';
import type { TokenProvider } from './auth.ts';
import { trimSlash } from './oauth.ts';

export type Bucket = 'api' | 'search';

export interface HttpResult<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

/** What the SDK's `...WithHttpInfo` methods resolve to. */
interface SdkHttpInfo<T> {
  httpStatusCode: number;
  headers: Record<string, string>;
  data: T;
}

interface Failure {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A 4xx HubSpot answer that retrying cannot fix; the caller decides what it means for its records. */
export class HubspotApiError extends SyncError {
  readonly retryable = false;
  readonly code: string;
  readonly endpoint: string;
  readonly status: number;
  readonly body: unknown;
  constructor(endpoint: string, status: number, body: unknown) {
    super(`HubSpot ${endpoint} answered ${status}: ${errorMessage(body)}`);
    this.endpoint = endpoint;
    this.status = status;
    this.body = body;
    this.code = `hubspot_${(errorCategory(body) ?? `http_${status}`).toLowerCase()}`;
  }
  get category(): string | undefined {
    return errorCategory(this.body);
  }
}

/** HubSpot's documented limits, used until the response headers say otherwise. */
export const DEFAULT_API_BUDGET: RateBudget = { max: 100, windowMs: 10_000 };
/** Search allows 5 requests per second per account and sends no rate-limit headers; keep one spare. */
export const SEARCH_BUDGET: RateBudget = { max: 4, windowMs: 1_000 };
/** Share of the header-announced 10-second budget we use, leaving room for latency and other apps. */
const BUDGET_SHARE = 0.9;

export interface HubspotApiOptions {
  maxAttempts?: number;
  /** Deadline per request (connect and response). @default LEADSTAGE_HTTP_TIMEOUT_MS, else 30 s */
  timeoutMs?: number;
  /** Jitter source, injectable for tests. */
  random?: () => number;
}

export class HubspotApi {
  private client: Client | undefined;
  private clientToken: string | undefined;
  private apiBudget: RateBudget = DEFAULT_API_BUDGET;
  private dailyExhausted = false;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly baseUrl: string;
  private readonly ctx: ConnectorContext;
  private readonly tokens: TokenProvider;

  constructor(ctx: ConnectorContext, tokens: TokenProvider, options: HubspotApiOptions = {}) {
    this.ctx = ctx;
    this.tokens = tokens;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.timeoutMs = options.timeoutMs ?? requestTimeouts().requestMs;
    this.random = options.random ?? Math.random;
    this.baseUrl = trimSlash(ctx.connection.baseUrl);
  }

  private bucketKey(bucket: Bucket): string {
    return `hubspot:${this.ctx.connection.accountId ?? this.ctx.connection.id}:${bucket}`;
  }

  private clientFor(token: string): Client {
    if (!this.client || this.clientToken !== token) {
      this.client = new Client({ accessToken: token, basePath: this.baseUrl, numberOfApiCallRetries: 0 });
      this.clientToken = token;
    }
    return this.client;
  }

  /** One SDK call (a `...WithHttpInfo` method), with limits, auth and retries handled. */
  async sdk<T>(
    endpoint: string,
    bucket: Bucket,
    send: (client: Client) => Promise<SdkHttpInfo<T>>,
  ): Promise<HttpResult<T>> {
    return this.call(endpoint, bucket, async (client) => {
      const info = await send(client);
      return { status: info.httpStatusCode, headers: info.headers, data: info.data };
    });
  }

  /** A raw call through the SDK's `apiRequest`, for endpoints the generated code does not cover. */
  async raw<T>(
    endpoint: string,
    bucket: Bucket,
    request: { method: string; path: string; qs?: Record<string, string>; body?: unknown },
  ): Promise<HttpResult<T>> {
    return this.call(endpoint, bucket, async (client) => {
      const res = await client.apiRequest(request);
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const body = parseBody(await res.text());
      if (res.status >= 300) throw new RawFailure(res.status, body, headers);
      return { status: res.status, headers, data: body as T };
    });
  }

  private async call<T>(
    endpoint: string,
    bucket: Bucket,
    send: (client: Client) => Promise<HttpResult<T>>,
  ): Promise<HttpResult<T>> {
    const key = this.bucketKey(bucket);
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      if (this.dailyExhausted) {
        throw new ApiLimitExceededError(
          'HubSpot daily API limit is spent; the sync resumes tomorrow',
          'hubspot',
        );
      }
      await this.ctx.limiter.acquire(key, bucket === 'search' ? SEARCH_BUDGET : this.apiBudget);
      const token = await this.tokens.accessToken();
      this.ctx.calls.count('hubspot', endpoint);
      let failure: Failure | undefined;
      try {
        const client = this.clientFor(token);
        const res = await withDeadline(`HubSpot ${endpoint}`, this.timeoutMs, () => send(client));
        res.headers = lowerKeys(res.headers);
        await this.observe(bucket, res.headers);
        return res;
      } catch (err) {
        failure = toFailure(err);
        if (!failure) {
          if (err instanceof SyncError && !(err instanceof RequestTimeoutError)) throw err;
          if (attempt >= this.maxAttempts) {
            if (err instanceof RequestTimeoutError) throw err;
            throw new TransientError(unreachableMessage(`HubSpot ${endpoint}`, this.baseUrl, err), {
              cause: err,
            });
          }
          await this.ctx.limiter.pause(key, this.backoff(attempt));
          continue;
        }
      }
      await this.observe(bucket, failure.headers);
      const { status, body } = failure;
      if (status === 401) {
        if (authRetried) {
          const message = `HubSpot rejected a freshly refreshed token on ${endpoint}: reconnect HubSpot`;
          await this.ctx.credentials.markNeedsReconnect(message);
          throw new AuthError(message, 'unauthorized');
        }
        authRetried = true;
        await this.tokens.rejected(token);
        continue;
      }
      if (status === 403) {
        throw new AuthError(
          `HubSpot denied ${endpoint} (${errorMessage(body)}): a scope is missing`,
          'forbidden',
        );
      }
      if (status === 429) {
        const policy = (body as { policyName?: unknown } | null)?.policyName;
        if (policy === 'DAILY') {
          this.dailyExhausted = true;
          throw new ApiLimitExceededError(
            'HubSpot daily API limit is spent; the sync resumes tomorrow',
            'hubspot',
          );
        }
        const wait =
          retryAfterMs(failure.headers['retry-after']) ??
          (bucket === 'search'
            ? SEARCH_BUDGET.windowMs
            : (headerNumber(failure.headers, 'x-hubspot-ratelimit-interval-milliseconds') ??
              this.apiBudget.windowMs));
        const jittered = wait + Math.floor(this.random() * 250);
        this.ctx.log.warn('hubspot rate limited', { endpoint, waitMs: jittered, attempt });
        if (attempt >= this.maxAttempts) {
          throw new RateLimitedError(`HubSpot kept rate-limiting ${endpoint}`, jittered, 'hubspot');
        }
        await this.ctx.limiter.pause(key, jittered);
        continue;
      }
      if (status >= 500) {
        if (attempt >= this.maxAttempts) {
          throw new TransientError(`HubSpot ${endpoint} kept failing with ${status}: ${errorMessage(body)}`);
        }
        await this.ctx.limiter.pause(key, this.backoff(attempt));
        continue;
      }
      throw new HubspotApiError(endpoint, status, body);
    }
  }

  /** Exponential backoff with full jitter, capped at 30 s. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
    return Math.floor(ceiling / 2 + this.random() * (ceiling / 2));
  }

  private async observe(bucket: Bucket, headers: Record<string, string>): Promise<void> {
    if (bucket !== 'api') return;
    const max = headerNumber(headers, 'x-hubspot-ratelimit-max');
    const interval = headerNumber(headers, 'x-hubspot-ratelimit-interval-milliseconds');
    if (max && interval) {
      this.apiBudget = { max: Math.max(1, Math.floor(max * BUDGET_SHARE)), windowMs: interval };
    }
    if (headerNumber(headers, 'x-hubspot-ratelimit-remaining') === 0) {
      await this.ctx.limiter.pause(this.bucketKey(bucket), interval ?? this.apiBudget.windowMs);
    }
    const daily = headerNumber(headers, 'x-hubspot-ratelimit-daily');
    const dailyRemaining = headerNumber(headers, 'x-hubspot-ratelimit-daily-remaining');
    // Only private-app tokens get the daily headers; OAuth installs have no daily cap to report.
    if (daily !== undefined && dailyRemaining !== undefined) {
      this.ctx.calls.budget?.('hubspot', dailyRemaining, daily);
    }
    if (dailyRemaining === 0) this.dailyExhausted = true;
  }
}

/** Shaped like the SDK's ApiException so both kinds of call fail the same way. */
class RawFailure extends Error {
  readonly code: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(code: number, body: unknown, headers: Record<string, string>) {
    super(`HubSpot answered ${code}`);
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The SDK throws `ApiException {code, body, headers}` for HTTP errors; anything else is the network. */
function toFailure(err: unknown): Failure | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; body?: unknown; headers?: Record<string, string> };
  if (typeof e.code !== 'number' || e.code < 100) return undefined;
  return { status: e.code, headers: lowerKeys(e.headers ?? {}), body: e.body ?? null };
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function headerNumber(headers: Record<string, string>, name: string): number | undefined {
  const raw = headers[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export function errorMessage(body: unknown): string {
  const m = (body as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : 'no message';
}

export function errorCategory(body: unknown): string | undefined {
  const c = (body as { category?: unknown } | null)?.category;
  return typeof c === 'string' ? c : undefined;
}
