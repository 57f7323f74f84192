/** Small conversions shared by the repositories: both backends return Date for timestamptz. */

export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/** jsonb parameters are passed as JSON text: `pg` would turn a JS array into a PostgreSQL array. */
export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}
