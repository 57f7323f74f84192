/** Every row of every table of a store's schema, as text: what a database dump would hold. */
import type { Store } from '../../src/store/index.ts';

export async function dumpDatabase(store: Store): Promise<string> {
  const { rows: tables } = await store.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  // A dump that found no tables would pass every "not contained" check: refuse it.
  if (!tables.some((r) => r.table_name === 'contacts')) throw new Error('no store tables in this schema');
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await store.db.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    parts.push(...rows.map((r) => `${table_name}: ${r.row}`));
  }
  return parts.join('\n');
}
