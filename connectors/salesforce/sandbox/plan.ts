/**
 * What a SOQL WHERE clause lets the sandbox skip: the equality / IN terms an index answers, and the
 * lower bound a keyset condition puts on the field the query is ordered by. Both only narrow where
 * to look; every row found is still checked against the whole clause (soql.ts `matches`).
 */
import { type Condition, type FieldKind, matches, type Row } from './soql.ts';

/**
 * The values of one `field = 'v'` or `field IN ('v', …)` term every matching row must satisfy (the
 * clause itself, or a term of its top-level AND), with string values only: the index keys are
 * lower-cased text, which answers text and id fields (a superset for ids, which compare exactly).
 * Of several such terms, the one with the fewest values.
 */
export function equalityTerm(
  where: Condition | null,
  usable: (field: string) => boolean,
): { field: string; values: string[] } | null {
  if (!where) return null;
  const terms = where.kind === 'and' ? where.items : [where];
  let best: { field: string; values: string[] } | null = null;
  for (const t of terms) {
    if (t.kind !== 'compare' && t.kind !== 'in') continue;
    const values = t.kind === 'compare' ? (t.op === '=' ? [t.value] : null) : t.negated ? null : t.values;
    if (!values || !usable(t.field)) continue;
    // '' compares as null in SOQL and null is never indexed: such a term is left to the scan.
    if (!values.every((v): v is string => typeof v === 'string' && v !== '')) continue;
    if (!best || values.length < best.values.length) best = { field: t.field, values: values };
  }
  return best;
}

/**
 * The smallest `field` value (epoch ms) a row matching `where` can have, or null when the clause
 * puts no bound on it: `field > t`, `field >= t`, `field = t` give t; AND takes the highest of its
 * terms' bounds, OR the lowest (none if a branch has none). The keyset form
 * `F > t OR (F = t AND Id > x)` thus starts at t.
 */
export function lowerBound(where: Condition | null, field: string): number | null {
  if (!where) return null;
  switch (where.kind) {
    case 'compare': {
      const v = where.value;
      if (where.field !== field || !['>', '>=', '='].includes(where.op)) return null;
      return typeof v === 'object' && v !== null && 'dateTime' in v ? v.dateTime : null;
    }
    case 'and': {
      const bounds = where.items.map((c) => lowerBound(c, field)).filter((b) => b !== null);
      return bounds.length ? Math.max(...bounds) : null;
    }
    case 'or': {
      const bounds = where.items.map((c) => lowerBound(c, field));
      return bounds.every((b) => b !== null) ? Math.min(...bounds) : null;
    }
    default:
      return null;
  }
}

/**
 * The rows of `source` (already in the query's order) that match, after skipping `offset` of them,
 * up to `limit`: what filtering, sorting and slicing the whole object gives, reading only as far as
 * the page needs.
 */
export function takeInOrder(
  source: Iterable<Row>,
  where: Condition | null,
  offset: number,
  limit: number | null,
  kindOf: (field: string) => FieldKind,
): Row[] {
  const out: Row[] = [];
  if (limit === 0) return out;
  let skip = offset;
  for (const row of source) {
    if (where && !matches(where, row, kindOf)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    out.push(row);
    if (limit !== null && out.length >= limit) break;
  }
  return out;
}
