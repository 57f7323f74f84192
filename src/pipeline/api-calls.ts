/** Counts API calls per vendor and endpoint for the run summary. */
import type { ApiCallCounter } from '../../connectors/types.ts';
import type { Vendor } from '../model.ts';

export class ApiCallTally implements ApiCallCounter {
  private readonly calls = new Map<string, number>();

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
