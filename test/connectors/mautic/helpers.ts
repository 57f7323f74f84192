import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

import express from 'express';
import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

import type { ConnectorContext, Credentials, Cursor } from '../../../src/pipeline/ports.ts';
import { MemoryRateLimiter } from '../../../src/http/rate-limiter.ts';
import { silentLogger } from '../../../src/log.ts';
import { createMauticConnectorDefinition } from '../../../connectors/mautic/index.ts';
import { SANDBOX_OAUTH_APP } from '../../../connectors/sandbox-types.ts';
import { createMauticSandbox, type MauticSandbox } from '../../../connectors/mautic/sandbox/index.ts';

/** An in-memory credential store with the real contract: refreshes run one at a time. */
export class MemoryCredentials {
  reconnectReasons: string[] = [];
  refreshCalls = 0;
  private chain: Promise<unknown> = Promise.resolve();

  current: Credentials;

  constructor(current: Credentials) {
    this.current = current;
  }

  read(): Promise<Credentials> {
    return Promise.resolve(this.current);
  }

  refresh(fn: (c: Credentials) => Promise<Credentials>): Promise<Credentials> {
    const run = this.chain.then(async () => {
      this.refreshCalls++;
      this.current = await fn(this.current);
      return this.current;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  markNeedsReconnect(reason: string): Promise<void> {
    this.reconnectReasons.push(reason);
    return Promise.resolve();
  }
}

export interface TestContext {
  ctx: ConnectorContext;
  credentials: MemoryCredentials;
  counted: Record<string, number>;
  clock: { ms: number };
}

export function makeContext(
  baseUrl: string,
  credentials: Credentials,
  options: { config?: Record<string, unknown>; nowMs?: number } = {},
): TestContext {
  const clock = { ms: options.nowMs ?? Date.parse('2026-11-26T12:00:00Z') };
  const counted: Record<string, number> = {};
  const store = new MemoryCredentials(credentials);
  return {
    clock,
    counted,
    credentials: store,
    ctx: {
      connection: { id: 'conn-1', vendor: 'mautic', baseUrl, config: { retryBaseMs: 1, ...options.config } },
      credentials: store,
      limiter: new MemoryRateLimiter(),
      calls: { count: (_v, endpoint, n = 1) => void (counted[endpoint] = (counted[endpoint] ?? 0) + n) },
      log: silentLogger,
      now: () => new Date(clock.ms),
    },
  };
}

export const testDefinition = createMauticConnectorDefinition({
  oauthApp: () => ({ ...SANDBOX_OAUTH_APP, redirectUri: 'http://127.0.0.1/cb' }),
  sleep: () => Promise.resolve(),
});

export interface RunningSandbox {
  sandbox: MauticSandbox;
  baseUrl: string;
  clock: { ms: number };
  /** Every request's path and query as sent (after the /mautic mount), oldest first. */
  requests: string[];
  close: () => Promise<void>;
}

/**
 * The Mautic sandbox on a real HTTP port (0), mounted at /mautic like `leadstage sandbox`; `timeZone`
 * is the instance's `default_timezone`.
 */
export async function startMauticSandbox(
  contacts = 60,
  seed = 7,
  options: { timeZone?: string } = {},
): Promise<RunningSandbox> {
  const clock = { ms: Date.parse('2026-11-26T12:00:00Z') };
  const app = express();
  const requests: string[] = [];
  app.use((req, _res, next) => {
    requests.push(req.originalUrl);
    next();
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const publicUrl = `http://127.0.0.1:${port}/mautic`;
  const sandbox = createMauticSandbox({ seed, contacts, publicUrl, now: () => clock.ms, ...options });
  app.use('/mautic', sandbox.router);
  return {
    sandbox,
    baseUrl: publicUrl,
    clock,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export async function collect<T>(pages: AsyncIterable<{ records: T[]; cursor: Cursor }>) {
  const records: T[] = [];
  const cursors: Cursor[] = [];
  for await (const page of pages) {
    records.push(...page.records);
    cursors.push(page.cursor);
  }
  return { records, cursors, last: cursors.at(-1) ?? null };
}

import { readFileSync } from 'node:fs';

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/mautic/${name}`, import.meta.url), 'utf8')) as T;
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../../fixtures/mautic/${name}`, import.meta.url), 'utf8');
}

/** nock for one test file: no real network, and every interceptor a test sets up must be used. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    if (pending.length > 0) throw new Error(`unused nock interceptors: ${pending.join(', ')}`);
  });
  afterAll(() => nock.enableNetConnect());
}

/** A submission of the "Contact sales" form by contact 3, now (`form.submitted9001`). */
export function addContactSalesSubmission(sandbox: MauticSandbox): void {
  sandbox.addEvent({
    event: 'form.submitted',
    eventId: 'form.submitted9001',
    eventLabel: 'Contact sales',
    eventType: 'Form submitted',
    contactId: 3,
    details: { form: { id: 3, name: 'Contact sales' } },
  });
}

/** OAuth2 credentials the sandbox just issued, dated by its clock. */
export function sandboxTokens(run: RunningSandbox): Credentials {
  const t = run.sandbox.issueTokens();
  return {
    kind: 'oauth2',
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    expiresAt: new Date(run.clock.ms + t.expiresIn * 1000).toISOString(),
    refreshedAt: new Date(run.clock.ms).toISOString(),
  };
}
