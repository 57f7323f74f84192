/**
 * The web app probed as an attacker would: oversize and malformed bodies, bad URL encodings,
 * forged cross-site posts riding the session cookie, token guessing and replayed webhooks.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { signMauticWebhook } from '../../connectors/mautic/index.ts';
import { buildWebApp, createServerContext } from '../../src/server/server.ts';

import {
  ADMIN_TOKEN,
  type Harness,
  MAUTIC_WEBHOOK_SECRET,
  hubspotDelivery,
  sourceWorkspace as sourceWorkspaceOf,
  startHarness,
} from './harness.ts';
import { expectNothingInternal } from './internals.ts';

const HUBSPOT_SECRET = 'hubspot-app-secret-for-tests';
const EVIL = 'https://evil.example';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ HUBSPOT_CLIENT_ID: 'app', HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET });
});
afterEach(async () => {
  await h.close();
});

interface ErrorBody {
  error: { code: string; message: string };
}

async function signIn(): Promise<string> {
  const res = await fetch(`${h.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/' }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

/** The dashboard as a signed-in browser loads it: the forms' token and the cookies to send with it. */
async function dashboardForm(session: string): Promise<{ token: string; cookies: string }> {
  const res = await fetch(`${h.url}/`, { headers: { cookie: session } });
  expect(res.status).toBe(200);
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1];
  expect(token).toBeDefined();
  const csrfCookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  return { token: token!, cookies: [session, ...csrfCookie].join('; ') };
}

async function syncJobs() {
  return h.ctx.queues.sync.getJobs(['waiting', 'delayed', 'prioritized']);
}

describe('when a request is malformed or too large', () => {
  it('should answer 413 JSON to a 3 MB webhook, without a stack', async () => {
    const res = await fetch(`${h.url}/webhooks/hubspot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(3_000_000),
    });
    expect(res.status).toBe(413);
    const text = await res.text();
    expectNothingInternal(text);
    expect((JSON.parse(text) as ErrorBody).error.code).toBe('payload_too_large');
  });

  it('should answer 400 as a page to a callback URL with a broken percent-encoding', async () => {
    const res = await fetch(`${h.url}/oauth/%E0%A4%A/callback`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const text = await res.text();
    expectNothingInternal(text);
    expect(text).toContain('invalid percent-encoding');
  });

  it('should answer 413 as a page to a 20 kB sign-in form', async () => {
    const res = await fetch(`${h.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'x'.repeat(20_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expectNothingInternal(await res.text());
  });

  it.each([
    ['malformed JSON', '{"name": "acme",', 400, 'malformed_body'],
    ['null', 'null', 400, 'malformed_body'],
    ['a string', '"acme"', 400, 'malformed_body'],
    ['10 MB', JSON.stringify({ name: 'x'.repeat(10_000_000) }), 413, 'payload_too_large'],
  ])('should answer the API a clear error for %s as the body', async (_what, body, status, code) => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    for (const [method, path] of [
      ['POST', '/api/workspaces'],
      ['PUT', `/api/workspaces/${ws.id}/model`],
    ] as const) {
      const res = await h.admin(path, { method, body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(status);
      const text = await res.text();
      expectNothingInternal(text);
      expect((JSON.parse(text) as ErrorBody).error.code).toBe(code);
    }
  });

  it('should answer 415 to an API body that is not JSON', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const res = await h.admin(`/api/workspaces/${ws.id}/sync`, {
      method: 'POST',
      body: '{"full":true}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ErrorBody).error.code).toBe('unsupported_media_type');
    expect(await syncJobs()).toHaveLength(0);
  });

  it('should explain a YAML alias bomb in the model with 400, not 500', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const res = await h.admin(`/api/workspaces/${ws.id}/model`, {
      method: 'PUT',
      body: JSON.stringify({ model: { yaml: `${levels.join('\n')}\n` }, dryRun: true }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('model_invalid');
    expect(body.error.message).toMatch(/^model\.yaml:1:1: YAML: .*alias/i);
  });

  it('should answer unknown pages with a 404 page and unknown API routes with 404 JSON', async () => {
    const page = await h.admin('/no/such/page', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await h.admin('/api/no/such/route');
    expect(api.status).toBe(404);
    expect(((await api.json()) as ErrorBody).error.code).toBe('not_found');
  });
});

describe('when another site forges a request with the admin session cookie', () => {
  it('should refuse cross-origin posts that would start a sync or a connect flow', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const session = await signIn();
    const forged = [
      { path: `/workspaces/${ws.id}/sync`, type: 'application/x-www-form-urlencoded', body: '' },
      { path: `/api/workspaces/${ws.id}/sync`, type: 'text/plain', body: '{}' },
      { path: `/workspaces/${ws.id}/connect/hubspot`, type: 'application/x-www-form-urlencoded', body: '' },
    ];
    for (const { path, type, body } of forged) {
      const res = await fetch(`${h.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: session, origin: EVIL, 'content-type': type },
        body,
      });
      expect({ path, status: res.status }).toStrictEqual({ path, status: 403 });
      expect(await res.text()).toContain(`only accepted from ${h.url}`);
    }
    expect(await syncJobs()).toHaveLength(0);
    expect(h.sandbox.hubspot.stats().calls['GET /oauth/authorize'] ?? 0).toBe(0);
  });

  it('should refuse a same-site post without the anti-forgery token, and take the one the page gave', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const session = await signIn();
    const post = (cookies: string, form: Record<string, string>) =>
      fetch(`${h.url}/workspaces/${ws.id}/sync`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies, origin: h.url },
        body: new URLSearchParams(form),
      });
    expect((await post(session, {})).status).toBe(403);
    const { token, cookies } = await dashboardForm(session);
    expect((await post(cookies, { _csrf: `${token.slice(0, -2)}00` })).status).toBe(403);
    expect(await syncJobs()).toHaveLength(0);
    const ok = await post(cookies, { _csrf: token });
    expect(ok.status).toBe(303);
    expect((await syncJobs()).map((j) => j.data as unknown)).toStrictEqual([{ workspaceId: ws.id }]);
  });

  it('should leave bearer-token API calls alone', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const res = await h.admin(`/api/workspaces/${ws.id}/sync`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', origin: EVIL },
    });
    expect(res.status).toBe(202);
  });
});

describe('when someone guesses the admin token', () => {
  const attempt = (token: string, url = h.url) =>
    fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });

  it('should answer 429 with Retry-After once an address has failed ten times, even to the right token', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 30; i++) {
      const res = await attempt(`wrong-${i}`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toStrictEqual([...Array<number>(10).fill(401), ...Array<number>(20).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(15 * 60);
    expect((await attempt(ADMIN_TOKEN)).status).toBe(429);
  });

  it('should count attempts in Redis, so a second web process sees the first one’s failures', async () => {
    for (let i = 0; i < 10; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const other = createServer(
      buildWebApp(
        createServerContext({
          env: h.ctx.env,
          store: h.ctx.store,
          redis: h.ctx.redis,
          queues: h.ctx.queues,
          queuePrefix: h.ctx.queuePrefix,
          registry: h.ctx.registry,
          log: h.ctx.log,
        }),
      ),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const res = await attempt(ADMIN_TOKEN, `http://127.0.0.1:${(other.address() as AddressInfo).port}`);
      expect(res.status).toBe(429);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('should count each client address apart behind a trusted proxy, and all of them together', async () => {
    await h.close();
    h = await startHarness({ LEADSTAGE_TRUST_PROXY: 'loopback' });
    const from = (address: string, token: string) =>
      fetch(`${h.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ token }),
        redirect: 'manual',
        headers: { 'x-forwarded-for': address },
      });
    for (let i = 0; i < 10; i++) expect((await from('203.0.113.1', `wrong-${i}`)).status).toBe(401);
    expect((await from('203.0.113.1', ADMIN_TOKEN)).status).toBe(429);
    expect((await from('203.0.113.2', ADMIN_TOKEN)).status).toBe(303);
    // 100 attempts overall in the window: ten more addresses with nine misses each reach it.
    for (let a = 10; a < 20; a++) {
      for (let i = 0; i < 9; i++) await from(`203.0.113.${a}`, `wrong-${i}`);
    }
    expect((await from('203.0.113.99', ADMIN_TOKEN)).status).toBe(429);
  });

  it('should clear the count of an address that signs in', async () => {
    for (let i = 0; i < 9; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    expect((await attempt(ADMIN_TOKEN)).status).toBe(303);
    for (let i = 0; i < 9; i++) expect((await attempt(`wrong-again-${i}`)).status).toBe(401);
  });
});

describe('when a webhook delivery is replayed', () => {
  const sourceWorkspace = (vendor: 'hubspot' | 'mautic', accountId: string) =>
    sourceWorkspaceOf(h, `ws-${vendor}`, vendor, accountId);

  /** What a worker leaves behind once it took the jobs: nothing waiting. */
  async function takeJobs(): Promise<unknown[]> {
    const jobs = await h.ctx.queues.requalify.getJobs(['delayed', 'waiting']);
    await h.ctx.queues.requalify.obliterate({ force: true });
    return jobs.map((j) => j.data as unknown);
  }

  const hubspot = (body: string, timestamp = Date.now()) =>
    hubspotDelivery(h, body, HUBSPOT_SECRET, timestamp);

  it('should answer a HubSpot replay 200 without enqueueing, and take only the new events of a redelivery', async () => {
    const { ws } = await sourceWorkspace('hubspot', '4242');
    const event = (eventId: number, objectId: number) => ({
      eventId,
      subscriptionType: 'contact.propertyChange',
      objectId,
      portalId: 4242,
    });
    const body = JSON.stringify([event(1, 101), event(2, 102)]);
    expect((await hubspot(body)).status).toBe(200);
    expect(await takeJobs()).toHaveLength(2);

    const replay = await hubspot(body);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ duplicate: true });
    expect(await takeJobs()).toStrictEqual([]);

    // Re-signed later with one event already taken: only the new one counts.
    expect((await hubspot(JSON.stringify([event(2, 102), event(3, 103)]), Date.now() + 1000)).status).toBe(
      200,
    );
    expect(await takeJobs()).toStrictEqual([{ workspaceId: ws.id, contactIds: ['103'] }]);
  });

  it('should answer a Mautic replay 200 without enqueueing, on its own path or another', async () => {
    const { ws, connection } = await sourceWorkspace('mautic', 'mautic.example.com');
    const payload = JSON.stringify({ 'mautic.lead_post_save_update': [{ contact: { id: 55 } }] });
    const deliver = (path: string) =>
      fetch(`${h.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-signature': signMauticWebhook(payload, MAUTIC_WEBHOOK_SECRET),
        },
        body: payload,
      });
    expect((await deliver(`/webhooks/mautic/${connection.id}`)).status).toBe(200);
    expect(await takeJobs()).toStrictEqual([{ workspaceId: ws.id, contactIds: ['55'] }]);
    for (const path of [`/webhooks/mautic/${connection.id}`, '/webhooks/mautic']) {
      const replay = await deliver(path);
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ duplicate: true });
    }
    expect(await takeJobs()).toStrictEqual([]);
  });
});

describe('when admin pages and API answers are cached', () => {
  it('should forbid storing them', async () => {
    for (const path of ['/', '/api/workspaces', '/api/no-such-route']) {
      const res = await h.admin(path);
      expect({ path, cacheControl: res.headers.get('cache-control') }).toStrictEqual({
        path,
        cacheControl: 'no-store',
      });
    }
  });
});
