/** Option values checked once, with errors that name the option. */
import { ConfigError } from '../errors.ts';

export function wholeNumber(option: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${option} must be a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${value}"`);
  }
  return n;
}

/** An ISO-8601 date-time with its offset (`2026-01-05T09:00:00Z`), or a date (midnight UTC). */
export function instant(option: string, value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ConfigError(
      `${option} must be an ISO-8601 instant such as 2026-01-05T09:00:00Z, got "${value}"`,
    );
  }
  return ms;
}
