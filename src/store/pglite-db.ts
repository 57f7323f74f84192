/** The store's `Db` over embedded PGlite in a data folder (or in memory when no folder is given). */
import { PGlite, type Transaction } from '@electric-sql/pglite';

import { type Db, KeyedMutex, NamedLocks, type QueryResult } from './db.ts';
import { ensurePgliteFolder } from './pglite-folder.ts';
import { PGLITE_START_PARAMS } from './pglite-params.ts';

type Runner = Pick<PGlite, 'query'> | Transaction;

async function run<Row>(runner: Runner, sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
  const result = await runner.query<Row>(sql, params);
  return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
}

export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) await ensurePgliteFolder(dataDir);
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    startParams: PGLITE_START_PARAMS,
  });
  const locks = new KeyedMutex();
  const named = new NamedLocks();

  const db: Db = {
    backend: 'pglite',
    query: (sql, params) => run(pglite, sql, params),
    transaction: (fn) =>
      pglite.transaction((tx) => {
        // PGlite has one connection: inside a transaction every query must go through `tx`.
        const txDb: Db = {
          backend: 'pglite',
          query: (sql, params) => run(tx, sql, params),
          transaction: (inner) => inner(txDb),
          exclusive: (key, inner) => locks.run(key, () => inner(txDb)),
          tryLock: (key) => named.tryLock(key),
          close: () => Promise.resolve(),
        };
        return fn(txDb);
      }),
    // No transaction here: PGlite would block every other query of the process while `fn` waits on I/O.
    exclusive: (key, fn) => locks.run(key, () => fn(db)),
    tryLock: (key) => named.tryLock(key),
    // PGlite 0.5 has no public accessor: its Emscripten module is a private field, read for a figure.
    engineMemoryBytes: () =>
      (pglite as unknown as { mod?: { HEAPU8: Uint8Array } }).mod?.HEAPU8.byteLength ?? 0,
    close: () => pglite.close(),
  };
  return db;
}
