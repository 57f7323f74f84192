/**
 * Engagement from `GET /api/contacts/activity` (all contacts' timelines), filtered to the event types
 * the mapping knows and to `filters[dateFrom]` (`Y-m-d H:i:s`, read as UTC), oldest first, paged by
 * page number. Mautic pages each event type on its own: page N holds up to `limit` events of every
 * type, so a page can hold many times `limit` events, and `maxPages` follows the busiest type
 * (LeadBundle/Event/LeadTimelineEvent.php, Mautic 5.1). Timestamps carry the instance's UTC offset.
 * A window is read to its last page (`maxPages`) before the next one starts at the newest event seen
 * minus an overlap; event ids are stable, so re-read events are deduplicated downstream.
 * @see https://github.com/mautic/developer-documentation-new/blob/main/docs/rest_api/contacts.rst
 */
import type { Cursor, Page } from '../../src/pipeline/ports.ts';
import type { EngagementEvent } from '../../src/model.ts';
import type { MauticClient } from './client.ts';
import { parseMauticDate, toMauticDate } from './dates.ts';
import type { MauticActivityEvent } from './wire.ts';
import { activityPageSchema } from './wire.ts';

export interface ActivityCursor extends Cursor {
  /** Window start, ISO-8601 (sent as `filters[dateFrom]` in `Y-m-d H:i:s`); null reads everything. */
  activitySince: string | null;
  /** Next page of the current window. */
  activityPage: number;
  /** Newest event time seen in the current window, ISO-8601. */
  activityNewest: string | null;
}

export interface ActivityStreamOptions {
  pageSize: number;
  overlapSeconds: number;
  eventTypes: string[];
  map: (e: MauticActivityEvent) => EngagementEvent | null;
}

function readCursor(since: Cursor | null): ActivityCursor {
  const iso = (v: unknown) => (typeof v === 'string' ? (parseMauticDate(v)?.toISOString() ?? null) : null);
  const page = Number(since?.activityPage ?? 1);
  return {
    activitySince: iso(since?.activitySince),
    activityPage: Number.isInteger(page) && page > 0 ? page : 1,
    activityNewest: iso(since?.activityNewest),
  };
}

/** Without `maxPages`: another page exists only if some type filled this one. */
function anyTypeFull(events: MauticActivityEvent[], limit: number): boolean {
  const perType = new Map<string, number>();
  for (const e of events) perType.set(e.event, (perType.get(e.event) ?? 0) + 1);
  return [...perType.values()].some((n) => n >= limit);
}

export async function* pullActivity(
  client: MauticClient,
  since: Cursor | null,
  options: ActivityStreamOptions,
): AsyncGenerator<Page<EngagementEvent>> {
  const cursor = readCursor(since);
  const windowStart = cursor.activitySince;
  let page = cursor.activityPage;
  let newest = cursor.activityNewest;

  for (;;) {
    const { data } = await client.request({
      method: 'GET',
      path: '/contacts/activity',
      query: {
        filters: {
          ...(windowStart ? { dateFrom: toMauticDate(new Date(windowStart)) } : {}),
          includeEvents: options.eventTypes,
        },
        order: ['timestamp', 'ASC'],
        page,
        limit: options.pageSize,
      },
      schema: activityPageSchema,
    });
    const records: EngagementEvent[] = [];
    for (const e of data.events) {
      const stamp = parseMauticDate(e.timestamp);
      const s = stamp?.toISOString();
      if (s && (newest === null || s > newest)) newest = s;
      const mapped = options.map(e);
      if (mapped) records.push(mapped);
    }
    const last =
      data.events.length === 0 ||
      (data.maxPages !== undefined ? page >= data.maxPages : !anyTypeFull(data.events, options.pageSize));
    if (last) {
      // Never moves backwards: the overlap is re-read, not the whole window.
      const candidate = newest
        ? new Date(Date.parse(newest) - options.overlapSeconds * 1000).toISOString()
        : null;
      const nextSince =
        candidate !== null && (windowStart === null || candidate > windowStart) ? candidate : windowStart;
      yield { records, cursor: { activitySince: nextSince, activityPage: 1, activityNewest: null } };
      return;
    }
    page += 1;
    yield { records, cursor: { activitySince: windowStart, activityPage: page, activityNewest: newest } };
  }
}
