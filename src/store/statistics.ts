/**
 * Keeps the planner's statistics in step with bulk loads. On a new deployment autovacuum analyzes a
 * table only after its naptime and thresholds, so during an initial sync the tables look empty to
 * the planner. The repositories report the rows they add; once a table has received as many rows
 * as it held at its last ANALYZE (and at least `minRows`), it is analyzed again. The doubling keeps
 * the number of ANALYZE runs logarithmic in the table's size, and each one samples a bounded number
 * of rows (300 × default_statistics_target), so the cost stays small next to the load itself.
 *
 * The hot statements do not rely on this (their plans are index lookups whatever the statistics
 * say; test/store/query-plans.test.ts checks that): it serves the estimates of everything else.
 */
import type { Db } from './db.ts';

/** The tables bulk loads grow; a closed list, so the name can go into the statement. */
export type LoadedTable = 'contacts' | 'engagement_events' | 'decisions' | 'stage_history' | 'crm_links';

export interface TableStatistics {
  /** Notes `rows` added to `table` through `db`, analyzing the table when enough have arrived. */
  added(db: Db, table: LoadedTable, rows: number): Promise<void>;
}

export const NO_STATISTICS: TableStatistics = { added: () => Promise.resolve() };

export function analyzeAfterLoads(minRows = 1000): TableStatistics {
  const pending = new Map<LoadedTable, number>();
  const analyzedAt = new Map<LoadedTable, number>();
  return {
    async added(db, table, rows) {
      const since = (pending.get(table) ?? 0) + rows;
      const held = analyzedAt.get(table) ?? 0;
      if (since < Math.max(minRows, held)) {
        pending.set(table, since);
        return;
      }
      pending.set(table, 0);
      analyzedAt.set(table, held + since);
      await db.query(`ANALYZE ${table}`);
    },
  };
}
