import { describe, expect, it } from 'vitest';

import type { Db } from '../../src/store/db.ts';
import { analyzeAfterLoads } from '../../src/store/statistics.ts';

/** A Db that only records the statements it is given. */
function recordingDb(): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const db = {
    backend: 'postgres',
    query: (sql: string) => {
      statements.push(sql);
      return Promise.resolve({ rows: [], rowCount: 0 });
    },
  } as unknown as Db; // Only query() is called.
  return { db, statements };
}

describe('analyzeAfterLoads', () => {
  it('analyzes a table at its first thousand rows, then each time loads have doubled it', async () => {
    const { db, statements } = recordingDb();
    const statistics = analyzeAfterLoads(1000);
    const analyzedAfter: number[] = [];
    let total = 0;
    for (let page = 0; page < 80; page++) {
      const before = statements.length;
      await statistics.added(db, 'contacts', 100);
      total += 100;
      if (statements.length > before) analyzedAfter.push(total);
    }
    // 1,000 rows, then 1,000 more (2,000 held), 2,000 more (4,000), 4,000 more (8,000).
    expect(analyzedAfter).toEqual([1000, 2000, 4000, 8000]);
    expect(new Set(statements)).toEqual(new Set(['ANALYZE contacts']));
  });

  it('keeps a tally per table', async () => {
    const { db, statements } = recordingDb();
    const statistics = analyzeAfterLoads(1000);
    await statistics.added(db, 'contacts', 600);
    await statistics.added(db, 'decisions', 600);
    expect(statements).toEqual([]);
    await statistics.added(db, 'decisions', 400);
    expect(statements).toEqual(['ANALYZE decisions']);
  });
});
