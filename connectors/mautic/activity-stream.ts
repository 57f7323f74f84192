/**
 * Engagement from `GET /api/contacts/activity` (all contacts' timelines), filtered to the Mautic
 * event types whose canonical type the model reads (`filters[includeEvents][]`) and to a window
 * (`filters[dateFrom]`, `filters[dateTo]`, `Y-m-d H:i:s`, read as UTC), oldest first, paged by page
 * number (API-NOTES §3.3). Mautic pages each event type on its own: page N holds up to `limit` events
 * of every requested type, so a page can hold many times `limit` events, and `maxPages` follows the
 * busiest type (API-NOTES §3.7; LeadBundle/Event/LeadTimelineEvent.php, Mautic 5.1). Timestamps carry
 * the instance's UTC offset. A window is read to its last page (`maxPages`) before the next one starts
 * at the newest event seen minus an overlap; event ids are stable, so re-read events are deduplicated
 * downstream.
 *
 * Each Mautic event type keeps its own window start (`activitySince:<type>`), but the types read are
 * asked for together, in one request per page: since the limit applies per type, one request for k
 * types carries what k requests of one type each would, so a stream per type would multiply the calls
 * by k (an idle sync: k calls instead of one). Types normally share one position and so one request.
 * A type read for the first time (position null: from the beginning) or again after a pause (where it
 * stopped) lags the others: it catches up alone, from its position up to the others' (`dateTo`), then
 * joins them, so the next window reads all of them at once again. A type the model no longer reads
 * keeps its position untouched.
 *
 * Positions are epoch milliseconds, not ISO strings, so the pipeline does not rewind them by its own
 * overlap: it would rewind a type not read on every sync, sliding it further back each time. Mautic
 * has no search index to lag (the timeline is SQL on the event tables); `overlapSeconds` covers
 * events committed late, as for contacts (contacts-stream.ts).
 * @see https://github.com/mautic/developer-documentation-new/blob/main/docs/rest_api/contacts.rst
 */
import type { Cursor, Page } from '../../src/pipeline/ports.ts';
import type { EngagementEvent } from '../../src/model.ts';
import type { MauticClient } from './client.ts';
import { parseMauticDate, toMauticDate } from './dates.ts';
import type { MauticActivityEvent } from './wire.ts';
import { activityPageSchema } from './wire.ts';

/** Cursor key prefix of one Mautic event type's window start (epoch ms; null: from the beginning). */
const SINCE = 'activitySince:';

/**
 * The activity cursor: `activitySince:<Mautic event type>` per type ever read, plus the window in
 * progress, if any: its types (sorted, comma-joined), next page and newest event seen (epoch ms).
 */
export type ActivityCursor = Cursor & {
  activityWindow: string | null;
  activityPage: number;
  activityNewest: number | null;
};

export interface ActivityStreamOptions {
  pageSize: number;
  overlapSeconds: number;
  /** The Mautic event types to ask for (those whose canonical type the model reads). */
  eventTypes: readonly string[];
  /** Every Mautic event type the mapping knows: what a cursor of the single-position shape covered. */
  mappedEventTypes: readonly string[];
  map: (e: MauticActivityEvent) => EngagementEvent | null;
}

interface Positions {
  since: Map<string, number | null>;
  window: { types: string; page: number; newest: number | null } | null;
}

/** Epoch ms from a cursor value: a number, or a date string (ISO or `Y-m-d H:i:s`) as older cursors held. */
function epochMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' ? (parseMauticDate(v)?.getTime() ?? null) : null;
}

/**
 * Reads either cursor shape. Before per-type positions the cursor was one window over every mapped
 * type (`activitySince`, ISO; `activityPage`; `activityNewest`, ISO): each mapped type starts where
 * it stood, and its window in progress resumes if the same types are read.
 */
export function readActivityCursor(since: Cursor | null, mappedEventTypes: readonly string[]): Positions {
  const positions = new Map<string, number | null>();
  for (const [key, value] of Object.entries(since ?? {})) {
    if (key.startsWith(SINCE)) positions.set(key.slice(SINCE.length), epochMs(value));
  }
  let types = typeof since?.activityWindow === 'string' ? since.activityWindow : null;
  if (positions.size === 0 && since && 'activitySince' in since) {
    const shared = epochMs(since.activitySince);
    for (const t of mappedEventTypes) positions.set(t, shared);
    types = windowId(mappedEventTypes);
  }
  const page = Number(since?.activityPage ?? 1);
  const window =
    types !== null && Number.isInteger(page) && page > 1
      ? { types, page, newest: epochMs(since?.activityNewest) }
      : null;
  return { since: positions, window };
}

function writeCursor(p: Positions): ActivityCursor {
  const out: ActivityCursor = {
    activityWindow: p.window?.types ?? null,
    activityPage: p.window?.page ?? 1,
    activityNewest: p.window?.newest ?? null,
  };
  for (const t of [...p.since.keys()].sort()) out[SINCE + t] = p.since.get(t) ?? null;
  return out;
}

const windowId = (types: readonly string[]) => [...new Set(types)].sort().join(',');

/** Null (from the beginning) before any time. */
const before = (a: number | null, b: number | null) => (a ?? -Infinity) < (b ?? -Infinity);

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
  const p = readActivityCursor(since, options.mappedEventTypes);
  const read = [...new Set(options.eventTypes)].sort();
  if (read.length === 0) {
    // An empty includeEvents would ask for every type: the model reads none, so ask nothing.
    yield { records: [], cursor: writeCursor(p) };
    return;
  }
  for (const t of read) if (!p.since.has(t)) p.since.set(t, null);
  // The read types' leading position; the types behind it catch up to it, oldest position first.
  const lead = read.map((t) => p.since.get(t)!).reduce((a, b) => (before(a, b) ? b : a));
  const lagging = new Map<number | null, string[]>();
  for (const t of read) {
    const at = p.since.get(t)!;
    if (at !== lead) lagging.set(at, [...(lagging.get(at) ?? []), t]);
  }
  const order = [...lagging.keys()].sort((a, b) => (a ?? -Infinity) - (b ?? -Infinity));
  for (const from of order) yield* readWindow(client, p, lagging.get(from)!, from, lead, options);
  yield* readWindow(client, p, read, lead, null, options);
}

/**
 * One window of `types` from `from` to `to` (null: open-ended), read to its last page. A bounded
 * window (a catch-up) ends at `to`, where the other types stand; an open one at the newest event seen
 * minus the overlap, never before its start.
 */
async function* readWindow(
  client: MauticClient,
  p: Positions,
  types: string[],
  from: number | null,
  to: number | null,
  options: ActivityStreamOptions,
): AsyncGenerator<Page<EngagementEvent>> {
  const id = windowId(types);
  // A window in progress resumes only over the same types: other types would page differently.
  const resumed = p.window?.types === id ? p.window : null;
  let page = resumed?.page ?? 1;
  let newest = resumed?.newest ?? null;
  p.window = null;

  for (;;) {
    const { data } = await client.request({
      method: 'GET',
      path: '/contacts/activity',
      query: {
        filters: {
          ...(from !== null ? { dateFrom: toMauticDate(new Date(Math.max(0, from))) } : {}),
          ...(to !== null ? { dateTo: toMauticDate(new Date(Math.max(0, to))) } : {}),
          includeEvents: types,
        },
        order: ['timestamp', 'ASC'],
        page,
        limit: options.pageSize,
      },
      schema: activityPageSchema,
    });
    const records: EngagementEvent[] = [];
    for (const e of data.events) {
      const stamp = parseMauticDate(e.timestamp)?.getTime();
      if (stamp !== undefined && (newest === null || stamp > newest)) newest = stamp;
      // Every mapped event of the types asked for is kept, read or not by the model: these types'
      // positions move past them (page hits give both email_click and page_view).
      const mapped = options.map(e);
      if (mapped) records.push(mapped);
    }
    const last =
      data.events.length === 0 ||
      (data.maxPages !== undefined ? page >= data.maxPages : !anyTypeFull(data.events, options.pageSize));
    if (last) {
      // Never moves backwards: the overlap is re-read, not the whole window.
      const candidate = newest !== null ? newest - options.overlapSeconds * 1000 : null;
      const next = to ?? (candidate !== null && before(from, candidate) ? candidate : from);
      for (const t of types) p.since.set(t, next);
      yield { records, cursor: writeCursor(p) };
      return;
    }
    page += 1;
    p.window = { types: id, page, newest };
    yield { records, cursor: writeCursor(p) };
    p.window = null;
  }
}
