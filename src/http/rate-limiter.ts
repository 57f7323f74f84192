/**
 * Vendor budgets ("100 calls per 10 s") shared by every caller of one limiter. The in-memory
 * limiter serves one process; the Redis one (jobs/) shares the same budget across workers.
 */
export interface RateBudget {
  /** Calls allowed per window. */
  max: number;
  windowMs: number;
}

export interface RateLimiter {
  /** Resolves when one more call on `bucket` fits in the budget; the call is counted then. */
  acquire(bucket: string, budget: RateBudget): Promise<void>;
  /** Holds every caller of `bucket` back for `waitMs` (after a 429 or a "remaining: 0" header). */
  pause(bucket: string, waitMs: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MemoryRateLimiter implements RateLimiter {
  private readonly calls = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();

  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  async acquire(bucket: string, budget: RateBudget): Promise<void> {
    for (;;) {
      const t = this.now();
      const paused = this.pausedUntil.get(bucket) ?? 0;
      if (paused > t) {
        await sleep(paused - t);
        continue;
      }
      const recent = (this.calls.get(bucket) ?? []).filter((at) => at > t - budget.windowMs);
      if (recent.length < budget.max) {
        recent.push(t);
        this.calls.set(bucket, recent);
        return;
      }
      this.calls.set(bucket, recent);
      await sleep(Math.max(1, recent[0]! + budget.windowMs - t));
    }
  }

  pause(bucket: string, waitMs: number): Promise<void> {
    const until = this.now() + waitMs;
    if (until > (this.pausedUntil.get(bucket) ?? 0)) this.pausedUntil.set(bucket, until);
    return Promise.resolve();
  }
}
