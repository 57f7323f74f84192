/**
 * Walks every contact whose datetime property is at or after a watermark, oldest first, through the
 * CRM search API. One query can page through at most 10,000 results, so before reaching that cap the
 * query restarts from the last timestamp seen (skipping the ids already emitted at exactly that
 * timestamp). Should more than one page's worth of contacts share a single timestamp, that instant is
 * walked by `hs_object_id` instead, so the walk always advances.
 */
import type { HubspotApi } from './api.ts';

/** Search pages hold at most 200 objects. */
export const SEARCH_PAGE_SIZE = 200;
/** Any one search query yields at most 10,000 results; paging past that is refused. */
export const SEARCH_RESULT_CAP = 10_000;
export const SEARCH_ENDPOINT = 'POST /crm/v3/objects/contacts/search';

export interface SearchRecord {
  id: string;
  properties: Record<string, string | null>;
}

export interface SearchPage {
  records: SearchRecord[];
  /** Timestamp and id of the newest record emitted so far (null before the first). */
  lastTs: number | null;
  lastId: string | null;
  /**
   * Records the whole walk yields, from the search's `total` (every match of the query, not capped
   * at 10,000): at each window's first page, those emitted before it plus the window's matches less
   * the ids at its start instant already emitted. Kept as is by the pages after it.
   */
  total?: number;
}

interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'GT' | 'GTE';
  value: string;
}

interface SearchResponse {
  total: number;
  results: { id: string; properties: Record<string, string | null> }[];
  paging?: { next?: { after: string } };
}

export function parseHubspotTime(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isFinite(n) ? n : null;
}

export interface DateWalkOptions {
  dateProperty: string;
  properties: string[];
  /** Inclusive lower bound, epoch ms. */
  fromMs: number;
  pageSize?: number;
  resultCap?: number;
  /** What the calls are counted under (SEARCH_ENDPOINT unless told: a search of another stream). */
  endpoint?: string;
}

export async function* walkByDate(api: HubspotApi, options: DateWalkOptions): AsyncGenerator<SearchPage> {
  const pageSize = options.pageSize ?? SEARCH_PAGE_SIZE;
  const cap = options.resultCap ?? SEARCH_RESULT_CAP;
  const properties = [...new Set([...options.properties, options.dateProperty, 'hs_object_id'])];
  const search = async (filters: SearchFilter[], sortBy: string, after?: string) => {
    const body = {
      filterGroups: [{ filters }],
      // The SDK types `sorts` as strings; the API takes {propertyName, direction} objects, which the
      // SDK serialises untouched.
      sorts: [{ propertyName: sortBy, direction: 'ASCENDING' }] as unknown as string[],
      properties,
      limit: pageSize,
      ...(after !== undefined ? { after } : {}),
    };
    const res = await api.sdk<SearchResponse>(options.endpoint ?? SEARCH_ENDPOINT, 'search', (client) =>
      // The request's filter operator is an SDK enum whose values are these same strings.
      client.crm.contacts.searchApi.doSearchWithHttpInfo(body as never),
    );
    return res.data;
  };

  let from = options.fromMs;
  let skip = new Set<string>();
  let lastTs: number | null = null;
  let lastId: string | null = null;
  let emitted = 0;
  let total: number | undefined;
  const page = (records: SearchRecord[]): SearchPage => {
    emitted += records.length;
    return { records, lastTs, lastId, ...(total !== undefined ? { total } : {}) };
  };

  const accept = (results: SearchResponse['results']): SearchRecord[] => {
    const out: SearchRecord[] = [];
    for (const r of results) {
      if (skip.has(r.id)) continue;
      const ts = parseHubspotTime(r.properties[options.dateProperty]) ?? from;
      if (ts !== lastTs) atLastTs = new Set();
      atLastTs.add(r.id);
      lastTs = ts;
      lastId = r.id;
      out.push({ id: r.id, properties: r.properties });
    }
    return out;
  };
  let atLastTs = new Set<string>();

  for (;;) {
    // One window: everything at or after `from`, until done or the cap comes near.
    let after: string | undefined;
    let read = 0;
    const windowStart = from;
    for (;;) {
      const data = await search(
        [{ propertyName: options.dateProperty, operator: 'GTE', value: String(from) }],
        options.dateProperty,
        after,
      );
      if (after === undefined) total = emitted + Math.max(0, data.total - skip.size);
      read += data.results.length;
      const records = accept(data.results);
      const next = data.paging?.next?.after;
      if (records.length > 0 || !next) yield page(records);
      if (!next) return;
      if (read + pageSize <= cap) {
        after = next;
        continue;
      }
      break;
    }
    if (lastTs !== null && lastTs > windowStart) {
      from = lastTs;
      skip = atLastTs;
      continue;
    }
    // A whole window shared one timestamp: walk that instant by id, then move past it.
    skip = atLastTs;
    yield* walkInstant(windowStart);
    from = windowStart + 1;
    skip = new Set();
  }

  async function* walkInstant(instant: number): AsyncGenerator<SearchPage> {
    let afterId = '0';
    let after: string | undefined;
    let read = 0;
    for (;;) {
      const data = await search(
        [
          { propertyName: options.dateProperty, operator: 'EQ', value: String(instant) },
          { propertyName: 'hs_object_id', operator: 'GT', value: afterId },
        ],
        'hs_object_id',
        after,
      );
      read += data.results.length;
      const lastResult = data.results[data.results.length - 1];
      const records = accept(data.results);
      if (records.length > 0) yield page(records);
      const next = data.paging?.next?.after;
      if (!next) return;
      if (read + pageSize <= cap) {
        after = next;
      } else {
        afterId = lastResult?.id ?? afterId;
        after = undefined;
        read = 0;
      }
    }
  }
}
