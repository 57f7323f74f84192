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
