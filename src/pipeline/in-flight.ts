/**
 * At most `limit` tasks at once. A step whose vendor calls are slower than its rate budget allows
 * (a write takes 100 ms on a busy machine, the budget allows one every 101 ms) keeps a second call
 * in flight instead of leaving the budget unused. On the first failure nothing new starts: the next
 * `start` (or `drain`) waits for the tasks still running, then throws it.
 */
export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  private readonly limit: number;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError('at least one task at a time');
    this.limit = limit;
  }

  /** Starts `task` once fewer than `limit` run. */
  async start(task: () => Promise<void>): Promise<void> {
    while (!this.failure && this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) return this.drain();
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(running));
    this.running.add(running);
  }

  /** Waits for every task started; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }
}
