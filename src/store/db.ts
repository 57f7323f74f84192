/**
 * The one SQL surface the store speaks, implemented over `pg` (PostgreSQL) and PGlite (embedded).
 * Both run the same PostgreSQL dialect, so every query is written once.
 */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (0 for plain selects on PGlite). */
  rowCount: number;
}

export interface Db {
  readonly backend: 'postgres' | 'pglite';
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Runs `fn` in one transaction; nested calls join the outer transaction. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while holding an exclusive lock named `key`, across processes on PostgreSQL
   * (`pg_advisory_xact_lock`, so `fn`'s queries share that transaction) and within the process on
   * PGlite (one process owns a PGlite data folder). `fn` may do slow I/O: other queries keep running.
   */
  exclusive<T>(key: string, fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Takes the lock named `key` without waiting and without a transaction (for long work such as a
   * sync run); returns its release, or null when someone holds it. PostgreSQL releases it by itself
   * when the holder's process dies.
   */
  tryLock(key: string): Promise<(() => Promise<void>) | null>;
  /**
   * PGlite only: the size of its WebAssembly memory in bytes, a share of the process that never
   * shrinks (the benches print it to tell it from the JS heap).
   */
  readonly engineMemoryBytes?: () => number;
  close(): Promise<void>;
}

/** Serialises async work per key inside one process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** In-process try-locks by name. */
export class NamedLocks {
  private readonly held = new Set<string>();

  tryLock(key: string): Promise<(() => Promise<void>) | null> {
    if (this.held.has(key)) return Promise.resolve(null);
    this.held.add(key);
    return Promise.resolve(() => {
      this.held.delete(key);
      return Promise.resolve();
    });
  }
}
