/** Test doubles for the connector context: credentials in memory, a limiter that records waits. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';

import type {
  ApiCallCounter,
  ConnectorContext,
  CredentialStore,
  Credentials,
} from '../../../src/pipeline/ports.ts';
import type { RateBudget, RateLimiter } from '../../../src/http/rate-limiter.ts';
import { MemoryRateLimiter } from '../../../src/http/rate-limiter.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Vendor } from '../../../src/model.ts';

export class MemoryCredentials implements CredentialStore {
  refreshCount = 0;
  needsReconnect: string | undefined;
  private lock: Promise<unknown> = Promise.resolve();

  current: Credentials;

  constructor(current: Credentials) {
    this.current = current;
  }

  read(): Promise<Credentials> {
    return Promise.resolve(this.current);
  }

  refresh(refresh: (current: Credentials) => Promise<Credentials>): Promise<Credentials> {
    const run = this.lock.then(async () => {
      this.refreshCount++;
      this.current = await refresh(this.current);
      return this.current;
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  markNeedsReconnect(reason: string): Promise<void> {
    this.needsReconnect = reason;
    return Promise.resolve();
  }
}

export class CallCounter implements ApiCallCounter {
  readonly calls: Record<string, number> = {};
  readonly budgets: Partial<Record<Vendor, { remaining: number; limit: number }>> = {};
  count(_vendor: Vendor, endpoint: string, n = 1): void {
    this.calls[endpoint] = (this.calls[endpoint] ?? 0) + n;
  }
  budget(vendor: Vendor, remaining: number, limit: number): void {
    this.budgets[vendor] = { remaining, limit };
  }
  total(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }
}

/** Never sleeps: records every pause so tests can assert the waits without waiting. */
export class RecordingLimiter implements RateLimiter {
  readonly pauses: { bucket: string; waitMs: number }[] = [];
  readonly budgets = new Map<string, RateBudget>();
  acquire(bucket: string, budget: RateBudget): Promise<void> {
    this.budgets.set(bucket, budget);
    return Promise.resolve();
  }
  pause(bucket: string, waitMs: number): Promise<void> {
    this.pauses.push({ bucket, waitMs });
    return Promise.resolve();
  }
}

export function makeContext(options: {
  baseUrl: string;
  credentials: Credentials;
  limiter?: RateLimiter;
  now?: () => Date;
  config?: Record<string, unknown>;
}) {
  const credentials = new MemoryCredentials(options.credentials);
  const calls = new CallCounter();
  const limiter = options.limiter ?? new MemoryRateLimiter();
  const ctx: ConnectorContext = {
    connection: {
      id: 'conn-1',
      vendor: 'hubspot',
      baseUrl: options.baseUrl,
      accountId: '62515',
      config: options.config ?? {},
    },
    credentials,
    limiter,
    calls,
    log: silentLogger,
    ...(options.now ? { now: options.now } : {}),
  };
  return { ctx, credentials, calls, limiter };
}

/** Serves a router on 127.0.0.1, port 0, mounted the way `src/sandbox/server.ts` mounts it. */
export async function serve<T extends { router: express.Router }>(
  make: (url: string) => T,
  mount = '/hubspot',
) {
  const app = express();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}${mount}`;
  const made = make(url);
  app.use(mount, made.router);
  return {
    origin: `http://127.0.0.1:${port}`,
    url,
    app,
    made,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function collect<T>(
  pages: AsyncIterable<{ records: T[]; cursor: Record<string, unknown>; total?: number }>,
) {
  const records: T[] = [];
  const cursors: Record<string, unknown>[] = [];
  const totals: (number | undefined)[] = [];
  for await (const page of pages) {
    records.push(...page.records);
    cursors.push(page.cursor);
    totals.push(page.total);
  }
  return { records, cursors, totals };
}
