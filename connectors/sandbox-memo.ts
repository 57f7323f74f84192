/**
 * Query results the vendor sandboxes keep between pages, so a sync paging through a large account
 * costs a slice per page instead of filtering and sorting every record again (the vendors answer
 * pages in milliseconds at any size).
 */
/**
 * The results of the last few queries over one source, dropped when the source changes: a sandbox's
 * `version`, or an event list that is replaced but never changed in place.
 */
export class QueryMemo<T> {
  private source: unknown;
  private readonly results = new Map<string, T[]>();
  private readonly size: number;

  /** @param size Queries a sync pages through at once (a watermark window and its tie-break), with room to spare. */
  constructor(size = 8) {
    this.size = size;
  }

  get(source: unknown, key: string, run: () => T[]): T[] {
    if (source !== this.source) {
      this.source = source;
      this.results.clear();
    }
    let rows = this.results.get(key);
    if (!rows) {
      rows = run();
      if (this.results.size >= this.size) this.results.delete(this.results.keys().next().value!);
      this.results.set(key, rows);
    }
    return rows;
  }
}

/**
 * A version bumped by every change to a sandbox's records, with what each recent version changed:
 * a record's key, or null for anything else (a reseed, a definition), so kept query results can move
 * the changed records instead of being worked out again. The oldest entries are dropped.
 */
export class ChangeLog<K> {
  version = 0;
  private entries: { version: number; key: K | null }[] = [];

  /** Marks one record (`key`), or the records at large, changed. */
  record(key?: K): void {
    this.version++;
    this.entries.push({ version: this.version, key: key ?? null });
    if (this.entries.length > 4096) this.entries.splice(0, 2048);
  }

  /** The keys changed since `version` (repeats possible), or null when unknown. */
  since(version: number): K[] | null {
    if (version === this.version) return [];
    const oldest = this.entries[0];
    if (!oldest || oldest.version > version + 1) return null;
    const keys: K[] = [];
    for (let i = this.entries.length - 1; i >= 0 && this.entries[i]!.version > version; i--) {
      const key = this.entries[i]!.key;
      if (key === null) return null;
      keys.push(key);
    }
    return keys;
  }
}
