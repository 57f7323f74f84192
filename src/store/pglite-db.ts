/** The store's `Db` over embedded PGlite in a data folder (or in memory when no folder is given). */
import { mkdir } from 'node:fs/promises';

import { PGlite, type Transaction } from '@electric-sql/pglite';

import { type Db, KeyedMutex, NamedLocks, type QueryResult } from './db.ts';

type Runner = Pick<PGlite, 'query'> | Transaction;

async function run<Row>(runner: Runner, sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
  const result = await runner.query<Row>(sql, params);
  return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
}

/**
 * PGlite's WebAssembly memory grows as PostgreSQL touches it and is never given back to the
 * system, so the buffer pool, 128 MB by PostgreSQL's default, ends up resident once the data
 * outgrows it. A smaller pool bounds that share of the process; the pages it no longer holds are
 * read from the data folder's files, which the operating system caches.
 */
const SHARED_BUFFERS = '16MB';

export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    // PGlite's own start parameters, which passing any replaces, plus the pool's size.
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
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
    close: () => pglite.close(),
  };
  return db;
}
