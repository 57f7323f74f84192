/**
 * Few error classes with stable snake_case codes; whether to retry is decided here and nowhere else.
 */
export abstract class SyncError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 429 or a vendor's rate-limit answer: wait `retryAfterMs`, then the same call may succeed. */
export class RateLimitedError extends SyncError {
  readonly code = 'rate_limited';
  readonly retryable = true;
  readonly retryAfterMs: number;
  readonly vendor: string | undefined;
  constructor(message: string, retryAfterMs: number, vendor?: string) {
    super(message);
    this.retryAfterMs = retryAfterMs;
    this.vendor = vendor;
  }
}

/** 5xx, timeouts, connection resets. */
export class TransientError extends SyncError {
  readonly code = 'transient';
  readonly retryable = true;
}

/** Token expired and could not be refreshed, or revoked: the connection needs a reconnect. */
export class AuthError extends SyncError {
  readonly code: string;
  readonly retryable = false;
  constructor(message: string, code = 'invalid_grant', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The vendor's daily API budget (or our configured share of it) is spent: stop cleanly, resume later. */
export class ApiLimitExceededError extends SyncError {
  readonly code = 'api_limit_exceeded';
  readonly retryable = false;
  readonly vendor: string;
  constructor(message: string, vendor: string) {
    super(message);
    this.vendor = vendor;
  }
}

/** Bad configuration or input: fix it, retrying will not help. */
export class ConfigError extends SyncError {
  readonly code = 'config_error';
  readonly retryable = false;
}

export class ValidationError extends SyncError {
  readonly code = 'validation_error';
  readonly retryable = false;
}

/** One record refused by the vendor; recorded against the record, never fails the run. */
export class RecordRejectedError extends SyncError {
  readonly retryable = false;
  readonly recordId: string;
  readonly code: string;
  readonly fields: string[];
  constructor(recordId: string, code: string, message: string, fields: string[] = []) {
    super(message);
    this.recordId = recordId;
    this.code = code;
    this.fields = fields;
  }
}

export interface Classification {
  retry: boolean;
  reason: string;
  waitMs?: number;
}

const FATAL_NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN_FATAL', 'CERT_HAS_EXPIRED']);
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** The one place that decides whether an error is worth retrying. */
export function classify(err: unknown): Classification {
  if (err instanceof RateLimitedError) return { retry: true, reason: err.code, waitMs: err.retryAfterMs };
  if (err instanceof SyncError) return { retry: err.retryable, reason: err.code };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (FATAL_NETWORK_CODES.has(code)) return { retry: false, reason: code.toLowerCase() };
    if (TRANSIENT_NETWORK_CODES.has(code)) return { retry: true, reason: code.toLowerCase() };
  }
  return { retry: false, reason: 'unknown' };
}

/** Parses `Retry-After` (seconds or HTTP date) into milliseconds; the longest of the candidates wins. */
export function retryAfterMs(...candidates: (string | number | null | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const c of candidates) {
    if (c === null || c === undefined || c === '') continue;
    let ms: number;
    if (typeof c === 'number') ms = c;
    else if (/^\d+(\.\d+)?$/.test(c.trim())) ms = Number(c) * 1000;
    else ms = Date.parse(c) - Date.now();
    if (Number.isFinite(ms) && ms >= 0 && (best === undefined || ms > best)) best = ms;
  }
  return best;
}
