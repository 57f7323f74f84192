/**
 * The records of one object in modification order: (LastModifiedDate, Id) ascending, kept current by
 * every write, so a query ordered by LastModifiedDate (the keyset paging leadstage uses) reads its
 * page from where its lower bound falls instead of sorting the whole object.
 *
 * Every write stamps a record later than any before it (org.ts `stamp`), so a write appends; only a
 * rollback puts an older stamp back, which is inserted at its place. A removal leaves a hole, and
 * the holes are swept out once they outnumber the live entries.
 */
export class OrderLog<T> {
  private keys: number[] = [];
  private ids: string[] = [];
  /** The entries themselves (records), so reading a run needs no lookup per entry. */
  private items: T[] = [];
  private alive: boolean[] = [];
  private dead = 0;

  get size(): number {
    return this.ids.length - this.dead;
  }

  add(key: number, id: string, item: T): void {
    const n = this.keys.length;
    if (n === 0 || before(this.keys[n - 1]!, this.ids[n - 1]!, key, id)) {
      this.keys.push(key);
      this.ids.push(id);
      this.items.push(item);
      this.alive.push(true);
      return;
    }
    const at = this.search(key, id);
    if (at < n && this.keys[at] === key && this.ids[at] === id) {
      if (!this.alive[at]) this.dead--;
      this.alive[at] = true;
      this.items[at] = item;
      return;
    }
    this.keys.splice(at, 0, key);
    this.ids.splice(at, 0, id);
    this.items.splice(at, 0, item);
    this.alive.splice(at, 0, true);
  }

  remove(key: number, id: string): void {
    const at = this.search(key, id);
    if (at >= this.keys.length || this.keys[at] !== key || this.ids[at] !== id || !this.alive[at]) return;
    this.alive[at] = false;
    this.dead++;
    if (this.dead > 1024 && this.dead > this.size) this.sweep();
  }

  /** Entries from the first whose key is at least `from` (all when null), ascending. */
  *ascending(from: number | null): Generator<T> {
    let i = from === null ? 0 : this.search(from, '');
    // A write while the caller iterates (none does: a query runs to its page synchronously) would
    // shift entries; the loop reads the arrays live, so it would at worst see an entry twice.
    for (; i < this.ids.length; i++) if (this.alive[i]) yield this.items[i]!;
  }

  /** `ascending` as an array: for reading to the end, a plain loop is many times quicker. */
  from(from: number | null): T[] {
    const out: T[] = [];
    for (let i = from === null ? 0 : this.search(from, ''); i < this.ids.length; i++) {
      if (this.alive[i]) out.push(this.items[i]!);
    }
    return out;
  }

  *descending(): Generator<T> {
    for (let i = this.ids.length - 1; i >= 0; i--) if (this.alive[i]) yield this.items[i]!;
  }

  /** The first position whose entry is not before (key, id). */
  private search(key: number, id: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.keys[mid]!, this.ids[mid]!, key, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private sweep(): void {
    const keys: number[] = [];
    const ids: string[] = [];
    const items: T[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      if (!this.alive[i]) continue;
      keys.push(this.keys[i]!);
      ids.push(this.ids[i]!);
      items.push(this.items[i]!);
    }
    this.keys = keys;
    this.ids = ids;
    this.items = items;
    this.alive = ids.map(() => true);
    this.dead = 0;
  }
}

function before(k1: number, id1: string, k2: number, id2: string): boolean {
  return k1 < k2 || (k1 === k2 && id1 < id2);
}
