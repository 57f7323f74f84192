/**
 * Mautic speaks two date formats: ISO-8601 with an offset in JSON bodies ("2015-07-21T12:27:12+00:00")
 * and `Y-m-d H:i:s` (UTC, second precision) in `where[...][val]` and activity `filters[dateFrom]`.
 */

/** `Y-m-d H:i:s` in UTC, the format Mautic compares against its UTC database columns. */
export function toMauticDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses either Mautic format; `Y-m-d H:i:s` without offset is UTC. Returns null when unreadable. */
export function parseMauticDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? value.replace(' ', 'T') + 'Z' : value;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** ISO-8601 in UTC with milliseconds, the canonical model's format. */
export function toIso(value: string | null | undefined): string | null {
  return parseMauticDate(value)?.toISOString() ?? null;
}
