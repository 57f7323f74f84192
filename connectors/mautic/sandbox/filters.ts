/**
 * The list filters Mautic applies to `GET /api/contacts`: search commands (`ids:`, `is:anonymous`,
 * negation with `!`, plain text), advanced `where[]` statements (Doctrine expressions, nested
 * `andX`/`orX`) and ordering. Columns are snake_case entity columns or field aliases.
 */
import { list, str, type PhpValue } from './php-params.ts';
import { sqlDate } from './serialize.ts';
import type { SandboxContact } from './state.ts';

export class FilterError extends Error {}

/** What `where[]` reads of a row: contacts, and companies (whose columns are their field aliases). */
export type Filterable = Pick<SandboxContact, 'id' | 'dateAdded' | 'dateModified' | 'points' | 'fields'>;

function column(c: Filterable, col: string): string | number | null {
  switch (col) {
    case 'id':
      return c.id;
    case 'date_added':
      return sqlDate(c.dateAdded);
    case 'date_modified':
      return sqlDate(c.dateModified);
    case 'date_identified':
      return sqlDate(c.dateAdded);
    case 'points':
      return c.points;
    default:
      if (col in c.fields || /^[a-z][a-z0-9_]*$/.test(col)) return c.fields[col] ?? null;
      throw new FilterError(`unknown column "${col}"`);
  }
}

function compare(a: string | number, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (typeof a === 'number' || (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb))) {
    return na - nb;
  }
  return String(a) < b ? -1 : String(a) > b ? 1 : 0;
}

export function matchesWhere(c: Filterable, statement: PhpValue): boolean {
  if (typeof statement !== 'object' || Array.isArray(statement)) {
    throw new FilterError('where statement must be an object');
  }
  const expr = str(statement.expr);
  if (expr === 'andX') return list(statement.val).every((s) => matchesWhere(c, s));
  if (expr === 'orX') return list(statement.val).some((s) => matchesWhere(c, s));
  const col = str(statement.col);
  if (!col || !expr) throw new FilterError('where statement needs col and expr');
  const value = column(c, col.replace(/^[a-z]+\./, ''));
  const val = statement.val;
  switch (expr) {
    case 'isNull':
      return value === null || value === '';
    case 'isNotNull':
      return value !== null && value !== '';
    case 'in':
    case 'notIn': {
      const options = (typeof val === 'string' ? val.split(',') : list(val).map(String)).map((s) => s.trim());
      const hit = value !== null && options.some((o) => compare(value, o) === 0);
      return expr === 'in' ? hit : !hit;
    }
  }
  if (typeof val !== 'string') throw new FilterError(`where ${col} ${expr} needs a value`);
  if (value === null) return false;
  switch (expr) {
    case 'eq':
      return compare(value, val) === 0;
    case 'neq':
      return compare(value, val) !== 0;
    case 'gt':
      return compare(value, val) > 0;
    case 'gte':
      return compare(value, val) >= 0;
    case 'lt':
      return compare(value, val) < 0;
    case 'lte':
      return compare(value, val) <= 0;
    case 'like': {
      const re = new RegExp(`^${val.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*')}$`, 'i');
      return re.test(String(value));
    }
    default:
      throw new FilterError(`unsupported where expression "${expr}"`);
  }
}

/** One search term: `ids:1,2`, `is:anonymous`, `!is:anonymous`, `email:x`, or free text. */
export function matchesSearch(c: SandboxContact, search: string): boolean {
  return search
    .split(/\s+/)
    .filter(Boolean)
    .every((term) => {
      const negate = term.startsWith('!');
      const t = negate ? term.slice(1) : term;
      let hit: boolean;
      if (t.startsWith('ids:')) hit = t.slice(4).split(',').includes(String(c.id));
      else if (t === 'is:anonymous') hit = !c.fields.email && !c.fields.firstname && !c.fields.lastname;
      else if (t.startsWith('email:')) {
        hit = String(c.fields.email ?? '').toLowerCase() === t.slice(6).toLowerCase();
      } else {
        const needle = t.toLowerCase();
        hit = ['email', 'firstname', 'lastname', 'company'].some((f) =>
          String(c.fields[f] ?? '')
            .toLowerCase()
            .includes(needle),
        );
      }
      return negate ? !hit : hit;
    });
}

export function sortContacts(rows: SandboxContact[], orderBy: string, dir: string): SandboxContact[] {
  const cols = orderBy
    .split(',')
    .map((s) => s.trim().replace(/^[a-z]+\./, ''))
    .filter(Boolean);
  if (cols.length === 0) cols.push('id');
  const sign = dir.toLowerCase() === 'desc' ? -1 : 1;
  return [...rows].sort((a, b) => {
    for (const col of cols) {
      const va = column(a, col);
      const vb = column(b, col);
      if (va === vb) continue;
      // MySQL sorts NULL first in ascending order.
      if (va === null) return -sign;
      if (vb === null) return sign;
      const d = compare(va, String(vb));
      if (d !== 0) return d * sign;
    }
    return (a.id - b.id) * sign;
  });
}
