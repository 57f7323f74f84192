/**
 * Cursors are the connectors' own flat objects; the pipeline only knows that ISO-8601 timestamps in
 * them are positions in time. Those are rewound by the overlap window before a pull (vendor search
 * indexes lag, so a record changed just before the last pull may only show up now) and compared to
 * keep a saved cursor from moving backwards.
 */
import type { Cursor } from './ports.ts';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
}

export function rewind(cursor: Cursor | null, overlapMs: number): Cursor | null {
  if (!cursor) return null;
  const out: Cursor = {};
  for (const [key, value] of Object.entries(cursor)) {
    out[key] = isTimestamp(value) ? new Date(Date.parse(value) - overlapMs).toISOString() : value;
  }
  return out;
}

/** The cursor to save after a pull: `next` unless every timestamp in it is behind `previous`. */
export function forwardOnly(previous: Cursor | null, next: Cursor | null): Cursor | null {
  if (!next) return previous;
  if (!previous) return next;
  const shared = Object.keys(next).filter((k) => isTimestamp(next[k]) && isTimestamp(previous[k]));
  if (shared.length === 0) return next;
  const behind = shared.every((k) => Date.parse(next[k] as string) < Date.parse(previous[k] as string));
  return behind ? previous : next;
}
