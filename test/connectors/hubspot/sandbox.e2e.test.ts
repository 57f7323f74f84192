/**
 * The HubSpot connector, on the official `@hubspot/api-client`, against the HubSpot sandbox over
 * real HTTP (express on port 0).
 */
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';

import { createHubspotConnectorDefinition } from '../../../connectors/hubspot/index.ts';
import {
  SANDBOX_PRIVATE_APP_TOKEN,
  createHubspotSandbox,
  type HubspotSandboxOptions,
} from '../../../connectors/hubspot/sandbox/index.ts';
import { verifyHubspotWebhook } from '../../../connectors/hubspot/webhook.ts';
import { generateActivities, generatePeople } from '../../../connectors/sandbox-data.ts';
import { SANDBOX_OAUTH_APP } from '../../../connectors/sandbox-types.ts';
import type { RateLimiter } from '../../../src/http/rate-limiter.ts';
import { ApiLimitExceededError, AuthError } from '../../../src/errors.ts';
import type { StageChange } from '../../../src/model.ts';
import { collect, makeContext, serve } from './helpers.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function startSandbox(options: Partial<HubspotSandboxOptions> & { contacts: number }) {
  const srv = await serve((url) => createHubspotSandbox({ seed: 11, publicUrl: url, ...options }));
  closers.push(srv.close);
  return { url: srv.url, sandbox: srv.made };
}

const definition = createHubspotConnectorDefinition({ app: SANDBOX_OAUTH_APP });

function connect(
  env: Awaited<ReturnType<typeof startSandbox>>,
  options: { now?: () => Date; limiter?: RateLimiter } = {},
) {
  const tokens = env.sandbox.issueTokens();
  const issuedAt = (options.now ?? (() => new Date()))().getTime();
  const made = makeContext({
    baseUrl: env.url,
    credentials: {
      kind: 'oauth2',
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: new Date(issuedAt + tokens.expiresIn * 1000).toISOString(),
    },
    ...(options.now ? { now: options.now } : {}),
    ...(options.limiter ? { limiter: options.limiter } : {}),
  });
  return { ...made, connector: definition.create(made.ctx) };
}

const change = (contactId: string, stage: string, over: Partial<StageChange> = {}): StageChange => ({
  contactId,
  stage,
  scores: { fit: 30, engagement: 12.5, total: 42.5 },
  summary: `${stage}: fit 30, engagement 12.5`,
  modelVersion: 'v-test',
  recycled: false,
  ...over,
});

describe('HubSpot connector against the sandbox', () => {
  it('connects through the OAuth flow: authorize redirect, v3 code exchange, revoke', async () => {
    const env = await startSandbox({ contacts: 5 });
    const app = { ...SANDBOX_OAUTH_APP, redirectUri: 'http://127.0.0.1:9/callback' };
    const authorize = definition.oauth.authorizeUrl(app, { state: 'st-1', baseUrl: env.url });
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const location = new URL(redirect.headers.get('location')!);
    expect(redirect.status).toBe(302);
    expect(location.searchParams.get('state')).toBe('st-1');

    const grant = await definition.oauth.exchangeCode(app, {
      code: location.searchParams.get('code')!,
      baseUrl: env.url,
    });
    expect(grant.accountId).toBe('62515');
    const made = makeContext({ baseUrl: env.url, credentials: grant.credentials });
    const contacts = await definition.create(made.ctx).fetchContacts(['1001', '1002', '424242']);
    expect(contacts.map((c) => c.id)).toEqual(['1001', '1002']);

    await definition.oauth.revoke!(app, grant.credentials, env.url);
    env.sandbox.expireAccessTokens();
    const after = definition.create(made.ctx);
    await expect(after.fetchContacts(['1001'])).rejects.toBeInstanceOf(AuthError);
    expect(made.credentials.needsReconnect).toMatch(/Reconnect HubSpot/);
  });

  it('pulls every contact of a 12,000-contact portal in a first sync, with the minimum of search calls', async () => {
    const env = await startSandbox({ contacts: 12_000 });
    const { connector, calls } = connect(env);

    const { records, cursors } = await collect(connector.pullContacts(null));

    expect(records).toHaveLength(12_000);
    expect(new Set(records.map((c) => c.id)).size).toBe(12_000);
    // 60 pages of 200 plus one re-read page after the restart at the 10,000-result cap.
    expect(calls.calls['POST /crm/v3/objects/contacts/search']).toBe(61);
    expect(env.sandbox.stats().calls['POST /crm/v3/objects/contacts/search']).toBe(61);
    const last = cursors.at(-1)!;
    const newest = Math.max(...records.map((c) => Date.parse(c.updatedAt)));
    // The walk ended after the index settled on every seeded change: the watermark is past them all.
    expect(last.lastModified).toBeGreaterThanOrEqual(newest);

    // A contact edited afterwards comes back in the next incremental pull.
    env.sandbox.updateContact('1500', { jobtitle: 'Chief Marketing Officer' }, Date.now());
    const next = await collect(connector.pullContacts(last as Record<string, number | string | null>));
    expect(next.records.map((c) => c.id)).toContain('1500');
    expect(next.records.length).toBeLessThan(50);
    expect(next.records.find((c) => c.id === '1500')!.properties.jobtitle).toBe('Chief Marketing Officer');
  });

  it('creates the schema and writes stages and scores back, in batches of 100, with per-record outcomes', async () => {
    const env = await startSandbox({ contacts: 250 });
    const { connector, calls } = connect(env);
    await connector.ensureSchema({
      stages: [
        { key: 'lead', label: 'Lead' },
        { key: 'mql', label: 'MQL' },
      ],
      dimensions: ['fit', 'engagement'],
    });
    expect(env.sandbox.portal.properties.has('leadstage_score_engagement')).toBe(true);
    // A second ensureSchema finds everything and creates nothing.
    await connector.ensureSchema({ stages: [], dimensions: ['fit', 'engagement'] });
    expect(calls.calls['POST /crm/v3/properties/contacts/batch/create']).toBe(1);

    const ids = [...env.sandbox.portal.contacts.keys()];
    const result = await connector.writeBack([...ids.map((id) => change(id, 'mql')), change('99999', 'mql')]);

    expect(result.ok).toHaveLength(250);
    expect(result.failed).toEqual([expect.objectContaining({ id: '99999', code: 'object_not_found' })]);
    expect(env.sandbox.stats().calls['POST /crm/v3/objects/contacts/batch/update']).toBe(3);
    expect(env.sandbox.portal.contacts.get(ids[0]!)!.properties).toMatchObject({
      lifecyclestage: 'marketingqualifiedlead',
      leadstage_score_fit: '30',
      leadstage_score_total: '42.5',
      leadstage_stage_reason: 'mql: fit 30, engagement 12.5',
      leadstage_model_version: 'v-test',
    });
  });

  it('moves a stage backwards only through the recycle path (clear, then set)', async () => {
    const env = await startSandbox({ contacts: 3 });
    const { connector } = connect(env);
    await connector.ensureSchema({
      stages: [
        { key: 'nurture', label: 'Nurture' },
        { key: 'sql', label: 'SQL' },
      ],
      dimensions: ['fit', 'engagement'],
    });
    await connector.writeBack([change('1001', 'sql'), change('1002', 'sql')]);

    const back = await connector.writeBack([
      change('1001', 'nurture', { previousStage: 'sql' }),
      change('1002', 'nurture', { previousStage: 'sql', recycled: true }),
    ]);

    const stageOf = (id: string) => env.sandbox.portal.contacts.get(id)!.properties.lifecyclestage;
    // Without the recycle path HubSpot keeps the later lifecycle stage, as it always does; that is no
    // record error, and the model's exact stage is in leadstage_stage.
    expect(stageOf('1001')).toBe('salesqualifiedlead');
    expect(env.sandbox.portal.contacts.get('1001')!.properties.leadstage_stage).toBe('nurture');
    expect(stageOf('1002')).toBe('1001');
    expect(back).toEqual({ ok: ['1001', '1002'], failed: [] });
  });

  it('refreshes a token that expires mid-run (30-minute lifetime) exactly once', async () => {
    let clock = Date.now();
    const now = () => clock;
    const env = await startSandbox({ contacts: 1_000, now });
    const { connector, credentials } = connect(env, { now: () => new Date(clock) });
    const firstToken = credentials.current.kind === 'oauth2' ? credentials.current.accessToken : '';

    let pages = 0;
    let total = 0;
    for await (const page of connector.pullContacts(null)) {
      pages++;
      total += page.records.length;
      if (pages === 2) clock += 31 * 60_000;
    }

    expect(total).toBe(1_000);
    expect(env.sandbox.stats().calls['POST /oauth/v3/token']).toBe(1);
    expect(credentials.current.kind === 'oauth2' && credentials.current.accessToken).not.toBe(firstToken);
  });

  it('recovers from access tokens the portal invalidated early (401) with one refresh', async () => {
    const env = await startSandbox({ contacts: 300 });
    const { connector } = connect(env);
    const first = await connector.fetchContacts(['1001']);
    env.sandbox.expireAccessTokens();

    const again = await connector.fetchContacts(['1001', '1002']);

    expect(first).toHaveLength(1);
    expect(again).toHaveLength(2);
    expect(env.sandbox.stats().calls['POST /oauth/v3/token']).toBe(1);
  });

  it('survives a rate-limit storm from several workers: 429s are waited out and every call completes', async () => {
    const env = await startSandbox({
      contacts: 600,
      limits: { oauthMax: 8, intervalMs: 1000, searchPerSecond: 5 },
    });
    const ids = [...env.sandbox.portal.contacts.keys()];
    // Three workers with their own limiters: nothing coordinates them but HubSpot's answers.
    const workers = [connect(env), connect(env), connect(env)];

    const results = await Promise.all(
      workers.map(async ({ connector }) => ({
        fetched: await connector.fetchContacts(ids),
        pulled: (await collect(connector.pullContacts(null))).records.length,
      })),
    );

    for (const r of results) {
      expect(r.fetched).toHaveLength(600);
      expect(r.pulled).toBe(600);
    }
    expect(env.sandbox.stats().rateLimited).toBeGreaterThan(0);
  });

  it('accepts a private app token and stops cleanly when the daily budget in the headers is spent', async () => {
    const env = await startSandbox({ contacts: 5, limits: { daily: 3 } });
    const worker = () => {
      const made = makeContext({
        baseUrl: env.url,
        credentials: { kind: 'private_app', token: SANDBOX_PRIVATE_APP_TOKEN },
      });
      return { ...made, connector: definition.create(made.ctx) };
    };
    const a = worker();

    await a.connector.fetchContacts(['1001']); // properties read + batch read: 1 call left today
    await a.connector.fetchContacts(['1002']); // the last one: Daily-Remaining says 0
    await expect(a.connector.fetchContacts(['1003'])).rejects.toBeInstanceOf(ApiLimitExceededError);
    expect(env.sandbox.stats().rateLimited).toBe(0);

    // A worker that has not seen the headers gets HubSpot's DAILY 429, and does not retry it.
    const b = worker();
    await expect(b.connector.fetchContacts(['1001'])).rejects.toBeInstanceOf(ApiLimitExceededError);
    expect(env.sandbox.stats().rateLimited).toBe(1);
  });

  it('pulls engagement as canonical events with stable ids, matching the seeded activity', async () => {
    const nowMs = Date.parse('2026-06-01T12:00:00.000Z');
    const env = await startSandbox({ contacts: 120, now: () => nowMs });
    const { connector, calls } = connect(env, { now: () => new Date(nowMs) });

    const first = await collect(connector.pullEngagement(null));
    const second = await collect(connector.pullEngagement(null));

    const people = generatePeople(11, 120, nowMs);
    const expected = generateActivities(11, people, nowMs);
    const countBy = (types: string[]) =>
      Object.fromEntries([...new Set(types)].sort().map((t) => [t, types.filter((x) => x === t).length]));
    expect(countBy(first.records.map((e) => e.type))).toEqual(countBy(expected.map((a) => a.type)));
    expect(new Set(first.records.map((e) => e.id)).size).toBe(first.records.length);
    expect(second.records.map((e) => e.id).sort()).toEqual(first.records.map((e) => e.id).sort());
    const pageView = first.records.find((e) => e.type === 'page_view')!;
    expect(pageView.properties.url).toMatch(/^https:\/\/leadstage\.example\//);
    // Email recipients were resolved by batch reads; a connector that pulled the contacts first needs none.
    expect(calls.calls['POST /crm/v3/objects/contacts/batch/read (email)']).toBeGreaterThan(0);
    const warm = connect(env, { now: () => new Date(nowMs) });
    await collect(warm.connector.pullContacts(null));
    const third = await collect(warm.connector.pullEngagement(null));
    expect(third.records).toHaveLength(first.records.length);
    expect(warm.calls.calls['POST /crm/v3/objects/contacts/batch/read (email)']).toBeUndefined();
    expect(first.cursors.at(-1)).toMatchObject({
      'email:OPEN': nowMs,
      'web:e_visited_page': nowMs,
      meeting: nowMs,
    });
  });

  it('reads only the engagement streams of the event types the model reads, at the documented page sizes', async () => {
    const nowMs = Date.parse('2026-06-01T12:00:00.000Z');
    const env = await startSandbox({ contacts: 1500, now: () => nowMs });
    const { connector, calls } = connect(env, { now: () => new Date(nowMs) });
    const before = { 'web:e_visited_page': nowMs - 1000, meeting: nowMs - 2000 };

    // A model that reads email opens only: no web analytics pages, no meeting search, no other email types.
    const pulled = await collect(connector.pullEngagement(before, ['email_open']));

    const opens = generateActivities(11, generatePeople(11, 1500, nowMs), nowMs).filter(
      (a) => a.type === 'email_open',
    ).length;
    expect(opens).toBeGreaterThan(2000);
    expect(new Set(pulled.records.map((e) => e.type))).toEqual(new Set(['email_open']));
    expect(pulled.records).toHaveLength(opens);
    // API-NOTES §1.6: the email events API returns at most 1000 events a page (limit max 1000).
    expect(env.sandbox.stats().calls['GET /email/public/v1/events']).toBe(Math.ceil(opens / 1000));
    expect(calls.calls['GET /events/v3/events']).toBeUndefined();
    expect(calls.calls['POST /crm/v3/objects/contacts/search']).toBeUndefined();
    // The streams not read keep their positions: a model that starts reading them gets their history.
    expect(pulled.cursors.at(-1)).toEqual({ ...before, 'email:OPEN': nowMs });
    // The run summary's floor counts the same streams, one page per 1000 opens and no web or meeting
    // stream; a contacts search is at least one page, the schema one properties read.
    expect(
      connector.minimumCalls!({
        contacts: 0,
        eventsByType: { email_open: opens },
        writtenBack: 0,
        recycled: 0,
        handedOff: 0,
        salesOutcomes: 0,
        eventTypes: ['email_open'],
      }),
    ).toStrictEqual({ contacts: 1, 'engagement email': Math.ceil(opens / 1000), write_back: 0, schema: 1 });
  });

  it('sends v3-signed webhooks that the verifier accepts', async () => {
    const env = await startSandbox({ contacts: 3 });
    let received: string[] = [];
    const receiver = express();
    receiver.post('/hooks/hubspot', express.raw({ type: 'application/json' }), (req, res) => {
      const url = `${receiverUrl}/hooks/hubspot`;
      const verdict = verifyHubspotWebhook(
        { method: req.method, url, rawBody: req.body as Buffer, headers: req.headers },
        SANDBOX_OAUTH_APP.clientSecret,
      );
      if (!verdict.ok) return void res.status(verdict.status).send(verdict.reason);
      received = verdict.contactIds;
      res.status(204).end();
    });
    // An express app is valid middleware wherever a router is.
    const srv = await serve(() => ({ router: receiver }), '/');
    closers.push(srv.close);
    const receiverUrl = srv.origin;

    const status = await env.sandbox.sendWebhook(`${receiverUrl}/hooks/hubspot`, [
      {
        subscriptionType: 'contact.propertyChange',
        objectId: '1001',
        propertyName: 'jobtitle',
        propertyValue: 'CEO',
      },
      { subscriptionType: 'contact.creation', objectId: '1003' },
    ]);

    expect(status).toBe(204);
    expect(received).toEqual(['1001', '1003']);
    const forged = await env.sandbox.sendWebhook(
      `${receiverUrl}/hooks/hubspot`,
      [{ subscriptionType: 'contact.creation', objectId: '1' }],
      'wrong-secret',
    );
    expect(forged).toBe(401);
  });

  it('resets to the seeded state: data, tokens and counters', async () => {
    // Seeded data is relative to the clock, so the same clock reseeds the same portal.
    const nowMs = Date.now();
    const env = await startSandbox({ contacts: 20, now: () => nowMs });
    const { connector } = connect(env, { now: () => new Date(nowMs) });
    const seeded = structuredClone(env.sandbox.portal.contacts.get('1005')!.properties);
    await connector.ensureSchema({ stages: [], dimensions: ['fit', 'engagement'] });
    await connector.writeBack([change('1005', 'customer')]);
    const added = env.sandbox.addContact({ email: 'new@example.com', firstname: 'New' });
    expect(env.sandbox.portal.contacts.get('1005')!.properties.lifecyclestage).toBe('customer');

    env.sandbox.reset();

    expect(env.sandbox.portal.contacts.get('1005')!.properties).toEqual(seeded);
    expect(env.sandbox.portal.contacts.has(added)).toBe(false);
    expect(env.sandbox.portal.properties.has('leadstage_score_fit')).toBe(false);
    expect(env.sandbox.stats()).toEqual({ calls: {}, rateLimited: 0 });
    await expect(connector.fetchContacts(['1005'])).rejects.toBeInstanceOf(AuthError);
  });

  it("enforces HubSpot's limits on the wire: page size, the 10,000 cap, batch size", async () => {
    const env = await startSandbox({ contacts: 3 });
    const { accessToken } = env.sandbox.issueTokens();
    const post = (path: string, body: unknown) =>
      fetch(`${env.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    expect((await post('/crm/v3/objects/contacts/search', { limit: 201 })).status).toBe(400);
    expect((await post('/crm/v3/objects/contacts/search', { limit: 10, after: '10000' })).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, i) => ({
      id: String(i + 1),
      properties: { firstname: 'x' },
    }));
    expect((await post('/crm/v3/objects/contacts/batch/update', { inputs: tooMany })).status).toBe(400);
    const unauth = await fetch(`${env.url}/crm/v3/properties/contacts`);
    expect(unauth.status).toBe(401);
    const ok = await fetch(`${env.url}/crm/v3/properties/contacts`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(ok.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
  });
});
