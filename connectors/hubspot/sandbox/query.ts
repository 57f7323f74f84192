/** CRM search semantics for the sandbox: filters, one sort, paging with the 10,000-result cap. */
import { z } from 'zod';

import { QueryMemo } from '../../sandbox-memo.ts';
import type { Portal, StoredContact } from './portal.ts';

export { QueryMemo };

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

/** Every contact in the order of a sort, and the matching rows of recent queries, per portal. */
const memos = new WeakMap<Portal, { sorted: QueryMemo<StoredContact>; results: QueryMemo<StoredContact> }>();

const byId = (a: StoredContact, b: StoredContact) => Number(a.id) - Number(b.id);

function sortedContacts(
  portal: Portal,
  memo: QueryMemo<StoredContact>,
  sort: SearchRequest['sorts'][number] | undefined,
): StoredContact[] {
  const name =
    sort === undefined ? '' : typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
  const desc =
    sort !== undefined && (typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING');
  return memo.get(portal.version, `${name}:${desc}`, () => {
    const rows = [...portal.contacts.values()];
    if (name) {
      // Each contact's sort value is worked out once, not once per comparison.
      const values = new Map(rows.map((c) => [c, comparable(portal, name, c.properties[name])]));
      rows.sort((a, b) => {
        const x = values.get(a)!;
        const y = values.get(b)!;
        const order = x < y ? -1 : x > y ? 1 : 0;
        return (desc ? -order : order) || byId(a, b);
      });
    } else {
      rows.sort(byId);
    }
    return rows;
  });
}

/**
 * One page of a search. The contacts sorted for a sort and the rows matching a query are kept until
 * the portal changes, so paging through a large portal costs a slice per page instead of filtering
 * and sorting every contact again (HubSpot answers in milliseconds at any portal size).
 */
export function runSearch(
  portal: Portal,
  req: SearchRequest,
): { total: number; page: StoredContact[]; next?: number } {
  let memo = memos.get(portal);
  if (!memo) {
    memo = { sorted: new QueryMemo(), results: new QueryMemo() };
    memos.set(portal, memo);
  }
  const { sorted } = memo;
  const key = JSON.stringify([req.filterGroups, req.sorts[0] ?? null]);
  const rows = memo.results.get(portal.version, key, () => {
    const all = sortedContacts(portal, sorted, req.sorts[0]);
    if (req.filterGroups.length === 0) return all;
    return all.filter((c) => req.filterGroups.some((g) => g.filters.every((f) => matches(portal, c, f))));
  });
  const after = Number(req.after ?? 0);
  const page = rows.slice(after, after + req.limit);
  const nextAt = after + req.limit;
  return { total: rows.length, page, ...(nextAt < rows.length ? { next: nextAt } : {}) };
}
