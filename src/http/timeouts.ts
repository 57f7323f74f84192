/**
 * Every vendor request has a deadline, so no run can hang on a held connection. One deadline covers
 * connecting and the whole response; bulk jobs (Salesforce Bulk API uploads and results) get a
 * longer one. Both are settings from the environment:
 *   LEADSTAGE_HTTP_TIMEOUT_MS       default 30000
 *   LEADSTAGE_HTTP_BULK_TIMEOUT_MS  default 120000
 */
import { ConfigError, TransientError } from '../errors.ts';

export interface RequestTimeouts {
  requestMs: number;
  bulkMs: number;
}

export const DEFAULT_TIMEOUTS: RequestTimeouts = { requestMs: 30_000, bulkMs: 120_000 };

function readMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ConfigError(`${name} must be a positive whole number of milliseconds, got "${raw}"`);
  }
  return n;
}

export function requestTimeouts(env: NodeJS.ProcessEnv = process.env): RequestTimeouts {
  return {
    requestMs: readMs(env, 'LEADSTAGE_HTTP_TIMEOUT_MS', DEFAULT_TIMEOUTS.requestMs),
    bulkMs: readMs(env, 'LEADSTAGE_HTTP_BULK_TIMEOUT_MS', DEFAULT_TIMEOUTS.bulkMs),
  };
}

/** A request that got no complete answer in time; transient, so callers retry it like a dropped connection. */
export class RequestTimeoutError extends TransientError {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms / 1000} s`);
  }
}

/**
 * Runs `fn` with a deadline. `fn` gets a signal that aborts at the deadline (for clients that take
 * one); the promise rejects with RequestTimeoutError then, whether or not the client stops.
 * `what` names vendor, method and path, never a URL with credentials in it.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  fn: (signal: AbortSignal) => PromiseLike<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new RequestTimeoutError(what, ms);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
