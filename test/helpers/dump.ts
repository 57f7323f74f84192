/** Every row of every table of a store's schema, as text: what a database dump would hold. */
import type { Store } from '../../src/store/index.ts';

async function storeTables(store: Store): Promise<string[]> {
  const { rows: tables } = await store.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  // A dump that found no tables would pass every "not contained" check: refuse it.
  if (!tables.some((r) => r.table_name === 'contacts')) throw new Error('no store tables in this schema');
  return tables.map((r) => r.table_name);
}

export async function dumpDatabase(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const table of await storeTables(store)) {
    const { rows } = await store.db.query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t`);
    // One push per row: spreading a large table's rows into push() overflows the call stack.
    for (const r of rows) parts.push(`${table}: ${r.row}`);
  }
  return parts.join('\n');
}

/**
 * Which of `needles` some row of the store holds (case-insensitive), searched by the database: the
 * dump's check for stores too large to load into memory on every call (the long simulated quarter).
 * With `workspaceId`, rows of other workspaces are left out (an erasure is a workspace's: the same
 * person may rightly stay in another), tables with no workspace column searched whole.
 */
export async function foundInDatabase(
  store: Store,
  needles: string[],
  workspaceId?: string,
): Promise<Set<string>> {
  const found = new Set<string>();
  if (needles.length === 0) return found;
  const lowered = needles.map((n) => n.toLowerCase());
  const { rows: scoped } = await store.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_name = 'workspace_id'`,
  );
  const perWorkspace = new Set(scoped.map((r) => r.table_name));
  for (const table of await storeTables(store)) {
    const only = workspaceId !== undefined && perWorkspace.has(table);
    const { rows } = await store.db.query<{ needle: string }>(
      `SELECT DISTINCT n AS needle FROM "${table}" t, unnest($1::text[]) AS n
       WHERE strpos(lower(t::text), n) > 0${only ? ' AND t.workspace_id::text = $2' : ''}`,
      only ? [lowered, workspaceId] : [lowered],
    );
    for (const r of rows) found.add(r.needle);
  }
  return found;
}
