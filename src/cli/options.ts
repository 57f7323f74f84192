/** Option values checked once, with errors that name the option. */
import { ConfigError } from '../errors.ts';

export function wholeNumber(option: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${option} must be a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${value}"`);
  }
  return n;
}
