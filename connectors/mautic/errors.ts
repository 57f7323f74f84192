/**
 * Turns Mautic's error answers into leadstage's typed errors. The messages name the Mautic screen to
 * fix a setting on, never a token.
 * @see https://github.com/mautic/mautic/blob/5.x/app/bundles/ApiBundle/EventListener/ApiSubscriber.php
 */
import { AuthError, ConfigError, SyncError } from '../../src/errors.ts';
import { errorBodySchema } from './wire.ts';

export interface MauticErrorInfo {
  status: number;
  message: string;
  type: string | null;
}

/** An answer the connector can't act on generically (404, 400 validation, …): callers decide. */
export class MauticApiError extends SyncError {
  readonly retryable = false;
  readonly code: string;
  readonly status: number;
  readonly type: string | null;

  constructor(status: number, message: string, type: string | null = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = status === 404 ? 'not_found' : `mautic_${status}`;
  }
}

/**
 * Mautic refused a batch as larger than its `api_batch_max_limit`: `returnError()`'s default
 * status, 500, with "A max of N entities are supported at a time."
 * (ApiBundle/Controller/FetchCommonApiController.php `validateBatchPayload`, Mautic 5.1). Not
 * transient: the same batch would fail again.
 */
export class MauticBatchLimitError extends SyncError {
  readonly retryable = false;
  readonly code = 'mautic_batch_limit';
  readonly limit: number;

  constructor(limit: number, message: string) {
    super(message);
    this.limit = limit;
  }
}

/** The limit in Mautic's batch-limit message, or null for any other message. */
export function batchLimitFrom(message: string): number | null {
  const m = /^A max of (\d+) entities are supported at a time\.?$/.exec(message.trim());
  return m ? Number(m[1]) : null;
}

/** Reads `{"errors":[…]}` or the OAuth `{"error","error_description"}` shape; falls back to the status. */
export function readError(status: number, body: unknown): MauticErrorInfo {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { status, message: `HTTP ${status}`, type: null };
  if ('errors' in parsed.data) {
    const first = parsed.data.errors[0];
    return { status, message: first?.message ?? `HTTP ${status}`, type: first?.type ?? null };
  }
  return { status, message: parsed.data.error_description ?? parsed.data.error, type: parsed.data.error };
}

export function apiDisabledError(baseUrl: string): ConfigError {
  return new ConfigError(
    `The API is disabled on the Mautic instance at ${baseUrl}. Turn it on in Mautic under ` +
      `Settings (cog icon) → Configuration → API Settings → "API enabled?" = Yes, save, then clear ` +
      `Mautic's cache (bin/console cache:clear) and retry.`,
  );
}

export function basicAuthDisabledError(baseUrl: string): ConfigError {
  return new ConfigError(
    `HTTP basic auth is disabled on the Mautic instance at ${baseUrl}. Turn it on in Mautic under ` +
      `Settings → Configuration → API Settings → "Enable HTTP basic auth?" = Yes, or connect with OAuth2.`,
  );
}

/** Maps 401/403 answers to the error the pipeline acts on; other statuses to MauticApiError. */
export function errorForStatus(info: MauticErrorInfo, baseUrl: string, basicAuth: boolean): SyncError {
  if (info.status === 403 && info.type === 'api_disabled') return apiDisabledError(baseUrl);
  if (info.status === 403 && basicAuth && /basic auth/i.test(info.message)) {
    return basicAuthDisabledError(baseUrl);
  }
  if (info.status === 401) {
    return new AuthError(
      basicAuth
        ? `Mautic at ${baseUrl} refused the basic auth user name or password (${info.message})`
        : `Mautic at ${baseUrl} refused the access token (${info.message})`,
      basicAuth ? 'invalid_credentials' : 'invalid_grant',
    );
  }
  return new MauticApiError(info.status, `Mautic answered ${info.status}: ${info.message}`, info.type);
}
