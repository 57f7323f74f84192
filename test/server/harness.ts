/**
 * The web app over real HTTP on a free port, against the real PostgreSQL (own schema), the real
 * Redis (own prefix) and the vendor sandboxes over HTTP. Logs are captured for assertions.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { signHubspotWebhookV3 } from '../../connectors/hubspot/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { createQueues } from '../../jobs/worker.ts';
import { parseEnv } from '../../src/config/env.ts';
import { createLogger } from '../../src/log.ts';
import { loadEngine } from '../../src/pipeline/engine.ts';
import type { ServerContext } from '../../src/server/context.ts';
import { buildWebApp, createServerContext } from '../../src/server/server.ts';
import { type SandboxServer, startSandboxServer } from '../../src/sandbox/server.ts';
import type { Workspace } from '../../src/store/index.ts';
import { openTestStore } from '../helpers/db.ts';
import { redisForTests } from '../helpers/redis.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const MAUTIC_WEBHOOK_SECRET = 'mautic-webhook-secret-for-tests';

export interface Harness {
  url: string;
  sandbox: SandboxServer;
  ctx: ServerContext;
  logs: string[];
  /** fetch with the admin bearer token, never following redirects. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  createWorkspace(
    name: string,
    sourceVendor: 'hubspot' | 'mautic',
    crmVendor?: 'salesforce' | null,
  ): Promise<Workspace>;
  close(): Promise<void>;
}

export async function startHarness(envOverrides: Record<string, string> = {}): Promise<Harness> {
  const sandbox = await startSandboxServer({ port: 0, contacts: 20 });
  const db = await openTestStore('postgres');
  const redis = redisForTests();
  const connection = redis.connect();
  const queues = createQueues(connection, redis.prefix);
  const registry = await registerBuiltinConnectors(createRegistry());
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const env = parseEnv({
    ADMIN_TOKEN,
    PUBLIC_URL: url,
    HUBSPOT_API_BASE_URL: `${sandbox.url}/hubspot`,
    SALESFORCE_LOGIN_URL: sandbox.salesforceUrl,
    MAUTIC_WEBHOOK_SECRET,
    LEADSTAGE_LOG_LEVEL: 'debug',
    ...envOverrides,
  });
  const logs: string[] = [];
  const log = createLogger('debug', {}, (line) => logs.push(line));
  const ctx = createServerContext({
    env,
    store: db.store,
    redis: connection,
    queues,
    queuePrefix: redis.prefix,
    registry,
    log,
  });
  http.on('request', buildWebApp(ctx));

  return {
    url,
    sandbox,
    ctx,
    logs,
    admin: (path, init = {}) =>
      fetch(`${url}${path}`, {
        redirect: 'manual',
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string>) },
      }),
    async createWorkspace(name, sourceVendor, crmVendor = 'salesforce') {
      const engine = await loadEngine();
      const source = await engine.loadModelSource(`preset:${engine.DEFAULT_PRESET}`);
      const model = engine.compileModelText(source.text, source.file);
      return db.store.workspaces.create({
        name,
        sourceVendor,
        crmVendor,
        model: { text: source.text, ref: source.ref, version: model.version },
      });
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.allSettled(Object.values(queues).map((q) => q.close()));
      await sandbox.close();
      await redis.cleanup();
      await db.cleanup();
    },
  };
}

/** Follows one redirect hop: the Location of a 3xx answer, resolved against the request URL. */
/** A JSON request body for `h.admin`. */
export function jsonRequest(method: string, body: unknown): RequestInit {
  return { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

/** Two stages, MQL at 40 points of fit: a model small enough to save, edit and roll back. */
export const TWO_STAGE_MODEL = `name: console test
dimensions: [fit]
stages:
  - key: lead
  - key: mql
    handoff: true
    requires: { score: fit, gte: 40 }
`;

export function location(res: Response, base: string): string {
  const value = res.headers.get('location');
  if (!value) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(value, base).toString();
}

/** A workspace whose source is a connection to `accountId` (a HubSpot portal, a Mautic host). */
export async function sourceWorkspace(
  h: Harness,
  name: string,
  vendor: 'hubspot' | 'mautic',
  accountId: string,
) {
  const ws = await h.createWorkspace(name, vendor);
  const connection = await h.ctx.store.connections.create({
    vendor,
    accountId,
    baseUrl: `${h.sandbox.url}/${vendor}`,
    credentials: { kind: 'oauth2', accessToken: 'access-token-never-logged' },
  });
  await h.ctx.store.workspaces.setConnection(ws.id, 'source', connection.id);
  return { ws, connection };
}

/** A HubSpot webhook delivery signed (v3) with `secret` at `timestamp`. */
export function hubspotDelivery(h: Harness, body: string, secret: string, timestamp = Date.now()) {
  return fetch(`${h.url}/webhooks/hubspot`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-request-timestamp': String(timestamp),
      'x-hubspot-signature-v3': signHubspotWebhookV3(
        secret,
        'POST',
        `${h.url}/webhooks/hubspot`,
        body,
        timestamp,
      ),
    },
    body,
  });
}

/** A signed-in browser: its cookies, and a form post carrying the page's anti-forgery token. */
export async function signedInBrowser(h: Harness) {
  const login = await fetch(`${h.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/' }),
    redirect: 'manual',
  });
  const session = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const get = (path: string) =>
    fetch(`${h.url}${path}`, { headers: { cookie: session }, redirect: 'manual' });
  return {
    get,
    async post(formPage: string, action: string, fields: Record<string, string>) {
      const res = await get(formPage);
      const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
      const cookies = [session, ...res.headers.getSetCookie().map((c) => c.split(';')[0]!)].join('; ');
      return fetch(`${h.url}${action}`, {
        method: 'POST',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, ...fields }),
        redirect: 'manual',
      });
    },
  };
}
