/** CRM search semantics for the sandbox: filters, one sort, paging with the 10,000-result cap. */
import { z } from 'zod';

import type { Portal, StoredContact } from './portal.ts';

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_MAX_RESULTS = 10_000;
export const DEFAULT_SEARCH_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
];

const filterSchema = z.object({
  propertyName: z.string(),
  operator: z.enum([
    'EQ',
    'NEQ',
    'LT',
    'LTE',
    'GT',
    'GTE',
    'BETWEEN',
    'IN',
    'NOT_IN',
    'HAS_PROPERTY',
    'NOT_HAS_PROPERTY',
    'CONTAINS_TOKEN',
    'NOT_CONTAINS_TOKEN',
  ]),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  highValue: z.union([z.string(), z.number()]).optional(),
  values: z.array(z.union([z.string(), z.number()])).optional(),
});

export const searchRequestSchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(filterSchema) })).default([]),
  sorts: z
    .array(
      z.union([
        z.string(),
        z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']) }),
      ]),
    )
    .default([]),
  properties: z.array(z.string()).default([]),
  limit: z.number().int().min(0).default(10),
  after: z.union([z.string(), z.number()]).optional(),
  query: z.string().max(3000).optional(),
});

export type SearchRequest = z.infer<typeof searchRequestSchema>;
type Filter = z.infer<typeof filterSchema>;

function comparable(
  portal: Portal,
  name: string,
  raw: string | number | boolean | undefined,
): number | string {
  const type = portal.properties.get(name)?.type;
  if (raw === undefined) return '';
  const s = String(raw);
  if (type === 'datetime' || type === 'date') return /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (type === 'number') return Number(s);
  return s.toLowerCase();
}

function matches(portal: Portal, c: StoredContact, f: Filter): boolean {
  const raw = c.properties[f.propertyName];
  const has = raw !== undefined && raw !== '';
  if (f.operator === 'HAS_PROPERTY') return has;
  if (f.operator === 'NOT_HAS_PROPERTY') return !has;
  if (f.operator === 'NEQ') {
    return !has || comparable(portal, f.propertyName, raw) !== comparable(portal, f.propertyName, f.value);
  }
  if (f.operator === 'NOT_IN') {
    return (
      !has ||
      !(f.values ?? []).some(
        (v) => comparable(portal, f.propertyName, v) === comparable(portal, f.propertyName, raw),
      )
    );
  }
  if (!has) return false;
  const left = comparable(portal, f.propertyName, raw);
  const right = comparable(portal, f.propertyName, f.value);
  switch (f.operator) {
    case 'EQ':
      return left === right;
    case 'LT':
      return left < right;
    case 'LTE':
      return left <= right;
    case 'GT':
      return left > right;
    case 'GTE':
      return left >= right;
    case 'BETWEEN':
      return left >= right && left <= comparable(portal, f.propertyName, f.highValue);
    case 'IN':
      return (f.values ?? []).some((v) => comparable(portal, f.propertyName, v) === left);
    case 'CONTAINS_TOKEN':
      return String(left).includes(String(right).replace(/\*/g, ''));
    case 'NOT_CONTAINS_TOKEN':
      return !String(left).includes(String(right).replace(/\*/g, ''));
  }
}

/** Problems HubSpot would refuse the request for, or null. */
export function searchProblem(req: SearchRequest): string | null {
  if (req.limit > SEARCH_MAX_LIMIT) return `limit must be at most ${SEARCH_MAX_LIMIT}`;
  if (req.filterGroups.length > 5) return 'At most 5 filterGroups are allowed';
  if (req.filterGroups.some((g) => g.filters.length > 6)) {
    return 'At most 6 filters are allowed in a filterGroup';
  }
  if (req.sorts.length > 1) return 'Only one sort is allowed';
  return null;
}

type Value = number | string;

/**
 * Every contact in the order of one sort, with each one's sort value, and the matching rows of
 * recent queries in that order. Kept across changes: the contacts a change touched are taken out
 * at their old place and put back at their new one (the portal's change log), so a write costs a
 * few bisections, not a sort of the portal.
 */
interface SortedView {
  version: number;
  name: string;
  desc: boolean;
  rows: StoredContact[];
  values: Map<string, Value>;
  results: Map<string, { groups: SearchRequest['filterGroups']; rows: StoredContact[] }>;
}

/** Kept queries per sort (a sync pages through one, with its tie-break and a window to spare). */
const RESULTS_KEPT = 8;
/** More changes than this since a view was read: sorting again is cheaper than moving each. */
const MOVES_MAX = 2000;

const views = new WeakMap<Portal, Map<string, SortedView>>();

/** A row's place: by value (descending if asked), then by id ascending, as HubSpot's tie-break. */
function before(view: SortedView, x: Value, xId: string, y: Value, yId: string): number {
  const order = x < y ? -1 : x > y ? 1 : 0;
  return (view.desc ? -order : order) || Number(xId) - Number(yId);
}

/** The first position in `rows` not before (value, id). */
function position(view: SortedView, rows: StoredContact[], value: Value, id: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const row = rows[mid]!;
    if (before(view, view.values.get(row.id)!, row.id, value, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function valueOf(portal: Portal, name: string, c: StoredContact): Value {
  return name ? comparable(portal, name, c.properties[name]) : 0;
}

function matchesGroups(portal: Portal, c: StoredContact, groups: SearchRequest['filterGroups']): boolean {
  return groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(portal, c, f)));
}

function build(portal: Portal, name: string, desc: boolean): SortedView {
  const rows = [...portal.contacts.values()];
  const values = new Map(rows.map((c) => [c.id, valueOf(portal, name, c)]));
  const view: SortedView = { version: portal.version, name, desc, rows, values, results: new Map() };
  rows.sort((a, b) => before(view, values.get(a.id)!, a.id, values.get(b.id)!, b.id));
  return view;
}

/** Moves the changed contacts to their new places in the view and its kept results. */
function update(portal: Portal, view: SortedView, changed: string[]): void {
  const ids = [...new Set(changed)];
  const lists = [view.rows, ...[...view.results.values()].map((r) => r.rows)];
  for (const id of ids) {
    const old = view.values.get(id);
    if (old === undefined) continue;
    for (const rows of lists) {
      const at = position(view, rows, old, id);
      if (rows[at]?.id === id) rows.splice(at, 1);
    }
    view.values.delete(id);
  }
  for (const id of ids) {
    const c = portal.contacts.get(id);
    if (!c) continue;
    const value = valueOf(portal, view.name, c);
    view.values.set(id, value);
    view.rows.splice(position(view, view.rows, value, id), 0, c);
    for (const r of view.results.values()) {
      if (matchesGroups(portal, c, r.groups)) r.rows.splice(position(view, r.rows, value, id), 0, c);
    }
  }
  view.version = portal.version;
}

function sortedView(portal: Portal, sort: SearchRequest['sorts'][number] | undefined): SortedView {
  const name =
    sort === undefined ? '' : typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
  const desc =
    sort !== undefined && (typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING');
  let byKey = views.get(portal);
  if (!byKey) views.set(portal, (byKey = new Map<string, SortedView>()));
  const key = `${name}:${desc}`;
  let view = byKey.get(key);
  if (view && view.version !== portal.version) {
    const changed = portal.changesSince(view.version);
    if (changed && changed.length <= MOVES_MAX) update(portal, view, changed);
    else view = undefined;
  }
  if (!view) {
    view = build(portal, name, desc);
    byKey.set(key, view);
  }
  return view;
}

/**
 * One page of a search. The contacts sorted for a sort and the rows matching a query are kept, and
 * moved as contacts change, so paging through a large portal costs a slice per page instead of
 * filtering and sorting every contact again (HubSpot answers in milliseconds at any portal size).
 */
export function runSearch(
  portal: Portal,
  req: SearchRequest,
): { total: number; page: StoredContact[]; next?: number } {
  const view = sortedView(portal, req.sorts[0]);
  const key = JSON.stringify(req.filterGroups);
  let rows = view.results.get(key)?.rows;
  if (!rows) {
    rows =
      req.filterGroups.length === 0
        ? view.rows
        : view.rows.filter((c) => matchesGroups(portal, c, req.filterGroups));
    // Unfiltered, the view's own rows are the result: kept once, not twice.
    if (req.filterGroups.length > 0) {
      if (view.results.size >= RESULTS_KEPT) view.results.delete(view.results.keys().next().value!);
      view.results.set(key, { groups: req.filterGroups, rows });
    }
  }
  const after = Number(req.after ?? 0);
  const page = rows.slice(after, after + req.limit);
  const nextAt = after + req.limit;
  return { total: rows.length, page, ...(nextAt < rows.length ? { next: nextAt } : {}) };
}
