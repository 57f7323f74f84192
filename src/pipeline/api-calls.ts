/** Counts API calls per vendor and endpoint for the run summary, and the vendors' last reported budget. */
import type { ApiCallCounter, StreamOf } from './ports.ts';
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

  /**
   * Calls per vendor and stream: `streamOf(vendor)` names each endpoint's stream; endpoints of no
   * stream (or vendors with no map) go under `other`, so each vendor's streams sum to its total.
   */
  byStream(streamOf: (vendor: string) => StreamOf | undefined): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [key, n] of this.calls) {
      const [vendor, endpoint] = key.split('\0') as [string, string];
      const stream = streamOf(vendor)?.(endpoint) ?? 'other';
      const streams = (out[vendor] ??= {});
      streams[stream] = (streams[stream] ?? 0) + n;
    }
    return out;
  }

  byEndpoint(): Record<string, number> {
    return Object.fromEntries([...this.calls].map(([key, n]) => [key.replace('\0', ' '), n]));
  }
}

/** One stream's calls in a run: made, and the fewest allowed (undefined: none computed, `other`). */
export interface StreamCalls {
  stream: string;
  made: number;
  minimum: number | undefined;
}

/**
 * A vendor's streams from a run's `apiCallsByStream` (vendor → stream → calls) and
 * `minimumApiCallsByStream` (`"<vendor> <stream>"` → calls): the minimum's streams in its order,
 * then streams with calls only, `other` last.
 */
export function streamCalls(
  byStream: Record<string, Record<string, number>>,
  minimumByStream: Record<string, number>,
  vendor: string,
): StreamCalls[] {
  const made = byStream[vendor] ?? {};
  const prefix = `${vendor} `;
  const minimum = new Map(
    Object.entries(minimumByStream)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, n]) => [key.slice(prefix.length), n]),
  );
  const names = [...new Set([...minimum.keys(), ...Object.keys(made).filter((s) => s !== 'other')])];
  if ('other' in made) names.push('other');
  return names.map((stream) => ({ stream, made: made[stream] ?? 0, minimum: minimum.get(stream) }));
}
