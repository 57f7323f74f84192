/** Counts API calls per vendor and endpoint for the run summary, and the vendors' last reported budget. */
import type { ApiCallCounter } from './ports.ts';
import type { Vendor } from '../model.ts';

export interface ApiBudget {
  remaining: number;
  limit: number;
}

export class ApiCallTally implements ApiCallCounter {
  private readonly calls = new Map<string, number>();
  private readonly budgets = new Map<Vendor, ApiBudget>();

  budget(vendor: Vendor, remaining: number, limit: number): void {
    if (Number.isFinite(remaining) && Number.isFinite(limit)) this.budgets.set(vendor, { remaining, limit });
  }

  /** The last budget each vendor reported in this run (vendors that report none are absent). */
  lastBudgets(): Record<string, ApiBudget> {
    return Object.fromEntries(this.budgets);
  }

  count(vendor: Vendor, endpoint: string, n = 1): void {
    const key = `${vendor}\0${endpoint}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + n);
  }

  byVendor(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, n] of this.calls) {
      const vendor = key.split('\0')[0]!;
      out[vendor] = (out[vendor] ?? 0) + n;
    }
    return out;
  }

  byEndpoint(): Record<string, number> {
    return Object.fromEntries([...this.calls].map(([key, n]) => [key.replace('\0', ' '), n]));
  }
}
