/**
 * The connector against the Mautic sandbox over real HTTP (express on port 0): OAuth2, incremental
 * pulls, schema, write-back, token expiry, API switches, faults and Mautic's batch limit.
 */
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { generatePeople } from '../../../connectors/sandbox-data.ts';
import { SANDBOX_OAUTH_APP } from '../../../connectors/sandbox-types.ts';
import { SANDBOX_BASIC_AUTH, createMauticSandbox } from '../../../connectors/mautic/sandbox/index.ts';
import { isLocalSandbox, mauticConnector } from '../../../connectors/mautic/index.ts';
import type { Credentials } from '../../../src/pipeline/ports.ts';
import type { StageChange } from '../../../src/model.ts';
import { AuthError, ConfigError } from '../../../src/errors.ts';
import {
  addContactSalesSubmission,
  collect,
  makeContext,
  sandboxTokens,
  startMauticSandbox,
  testDefinition,
  type RunningSandbox,
} from './helpers.ts';

const SEED = 7;
const COUNT = 60;
const REDIRECT = 'http://127.0.0.1/cb';
let run: RunningSandbox;

beforeEach(async () => {
  run = await startMauticSandbox(COUNT, SEED);
});
afterEach(async () => {
  await run.close();
});

const tokens = () => sandboxTokens(run);

/** A connector whose clock is the sandbox's. */
function connect(credentials: Credentials, config: Record<string, unknown> = {}) {
  const t = makeContext(run.baseUrl, credentials, { config });
  t.ctx.now = () => new Date(run.clock.ms);
  return { ...t, connector: testDefinition.create(t.ctx) };
}

function change(id: string, stage: string, total: number, previousStage?: string): StageChange {
  return {
    contactId: id,
    stage,
    ...(previousStage ? { previousStage } : {}),
    scores: { fit: total - 10, engagement: 10, total },
    summary: `total ${total}`,
    modelVersion: 'model-v1',
    recycled: false,
  };
}

describe('when an admin connects the sandbox with OAuth2', () => {
  it('should complete authorize → code → token and pull every seeded contact in pages', async () => {
    const app = { ...SANDBOX_OAUTH_APP, redirectUri: REDIRECT };
    const url = mauticConnector.oauth.authorizeUrl(app, { state: 'st-1', baseUrl: run.baseUrl });
    const redirect = await axios.get(url, { maxRedirects: 0, validateStatus: (s) => s === 302 });
    const location = new URL(redirect.headers.location as string);
    expect(location.searchParams.get('state')).toBe('st-1');
    const { credentials } = await mauticConnector.oauth.exchangeCode(app, {
      code: location.searchParams.get('code')!,
      baseUrl: run.baseUrl,
    });

    const { connector } = connect(credentials, { pageSize: 25 });
    const { records, cursors } = await collect(connector.pullContacts(null));
    const people = generatePeople(SEED, COUNT, Date.parse('2026-11-26T12:00:00Z'));
    expect(records).toHaveLength(COUNT);
    expect(cursors).toHaveLength(3);
    records.forEach((contact, i) => {
      const p = people[i]!;
      expect(contact.id).toBe(String(i + 1));
      expect(contact.properties).toMatchObject({
        email: p.email,
        jobtitle: p.jobtitle || null,
        employees: p.employees,
        budget: p.budget || null,
        meeting_booked: p.meetingBooked,
        consent: p.consent,
      });
    });
    expect(run.sandbox.stats().calls).toStrictEqual({
      'GET /oauth/v2/authorize': 1,
      'POST /oauth/v2/token': 1,
      'GET /api/contacts': 3,
    });
  });
});

describe('when syncing incrementally', () => {
  it('should return exactly the contacts added or changed since the last window, then nothing', async () => {
    const { connector } = connect(tokens(), { overlapSeconds: 0 });
    const first = await collect(connector.pullContacts(null));
    expect(first.records).toHaveLength(COUNT);

    run.clock.ms += 10 * 60_000;
    run.sandbox.updateContact(5, { bant_budget: 'approved' });
    const added = run.sandbox.addContact({ email: 'new.lead@example.com', firstname: 'New' });
    run.clock.ms += 1000;
    const second = await collect(connector.pullContacts(first.last));
    expect(second.records.map((c) => c.id).sort()).toStrictEqual(['5', String(added)].sort());
    expect(second.records.find((c) => c.id === '5')!.properties.budget).toBe('approved');

    run.clock.ms += 60_000;
    const third = await collect(connector.pullContacts(second.last));
    expect(third.records).toStrictEqual([]);
    expect(third.last).toStrictEqual({
      contactsSince: Date.parse('2026-11-26T12:11:01.000Z'),
      contactsNextSince: null,
      contactsAfterId: 0,
    });
  });

  it('should pull every mapped activity event with stable ids, then only what is new', async () => {
    const { connector } = connect(tokens(), { activityPageSize: 50, overlapSeconds: 60 });
    const mappedTypes = new Set([
      'email.read',
      'page.hit',
      'form.submitted',
      'point.gained',
      'meeting.registered',
      'lead.donotcontact',
    ]);
    const expected = run.sandbox.state().events.filter((e) => mappedTypes.has(e.event)).length;

    const first = await collect(connector.pullEngagement(null));
    expect(first.records).toHaveLength(expected);
    expect(new Set(first.records.map((e) => e.id)).size).toBe(expected);
    const types = new Set(first.records.map((e) => e.type));
    expect([...types].sort()).toStrictEqual(
      [
        'email_click',
        'email_open',
        'form_submit',
        'page_view',
        'points_change',
        'email_unsubscribe',
        ...(types.has('email_bounce') ? ['email_bounce'] : []),
        ...(types.has('meeting_booked') ? ['meeting_booked'] : []),
      ].sort(),
    );
    const again = await collect(connector.pullEngagement(null));
    expect(again.records.map((e) => e.id)).toStrictEqual(first.records.map((e) => e.id));

    run.clock.ms += 3_600_000;
    addContactSalesSubmission(run.sandbox);
    const next = await collect(connector.pullEngagement(first.last));
    const ids = next.records.map((e) => e.id);
    expect(ids).toContain('mautic:form.submitted9001');
    // Only the overlap is re-read, not the history.
    expect(ids.length).toBeLessThan(5);
    expect(next.records.find((e) => e.id === 'mautic:form.submitted9001')).toMatchObject({
      contactId: '3',
      type: 'form_submit',
      at: '2026-11-26T13:00:00.000Z',
      properties: { formName: 'Contact sales' },
    });
  });
});

describe('when writing stages and scores back', () => {
  const spec = {
    stages: [
      { key: 'subscriber', label: 'Subscriber' },
      { key: 'lead', label: 'Lead' },
      { key: 'mql', label: 'MQL' },
      { key: 'sql', label: 'SQL' },
    ],
    dimensions: ['fit', 'engagement'],
  };

  it('should create the schema once, batch the fields (≤200 per call), move stages, and read them back', async () => {
    await run.close();
    run = await startMauticSandbox(260, SEED);
    const { connector } = connect(tokens(), { rateLimit: { max: 10_000, windowMs: 1000 } });
    await connector.ensureSchema(spec);
    await connector.ensureSchema(spec);
    const changes = Array.from({ length: 250 }, (_, i) =>
      change(String(i + 1), i < 3 ? 'mql' : 'lead', 40 + (i % 20)),
    );
    changes.push(change('9999', 'mql', 1));
    changes[3]!.previousStage = 'lead';

    const result = await connector.writeBack(changes);
    expect(result.failed).toStrictEqual([
      { id: '9999', code: 'not_found', message: 'Item was not found.', retryable: false },
    ]);
    expect(result.ok).toHaveLength(250);

    const c1 = run.sandbox.contact(1)!;
    expect(c1.stage?.name).toBe('Marketing Qualified Lead');
    expect(c1.fields.all).toMatchObject({
      ls_score: 40,
      ls_score_fit: 30,
      ls_score_engagement: 10,
      ls_reason: 'total 40',
      ls_model_version: 'model-v1',
    });
    expect(run.sandbox.contact(4)!.stage).toBeNull();
    expect(run.sandbox.contact(5)!.stage?.name).toBe('Lead');

    const [read] = await connector.fetchContacts(['1']);
    expect(read!.stage).toBe('mql');
    expect(run.sandbox.stats().calls).toMatchObject({
      'GET /api/stages': 2,
      'POST /api/stages/new': 4,
      'GET /api/fields/contact': 2,
      'POST /api/fields/contact/new': 5,
      'PATCH /api/contacts/batch/edit': 2,
      'POST /api/stages/:id/contact/:contactId/add': 249,
    });
  });

  it('should set stages inside the batch edit when configured, in two calls for 250 contacts', async () => {
    await run.close();
    run = await startMauticSandbox(260, SEED);
    const { connector } = connect(tokens(), { stageWrite: 'batch' });
    await connector.ensureSchema(spec);
    const result = await connector.writeBack(
      Array.from({ length: 250 }, (_, i) => change(String(i + 1), 'sql', 70)),
    );
    expect(result.failed).toStrictEqual([]);
    expect(run.sandbox.contact(250)!.stage?.name).toBe('Sales Qualified Lead');
    expect(run.sandbox.stats().calls['PATCH /api/contacts/batch/edit']).toBe(2);
    expect(run.sandbox.stats().calls['POST /api/stages/:id/contact/:contactId/add']).toBeUndefined();
  });

  it('should read stages back by the model’s keys once ensureSchema named them', async () => {
    const { connector } = connect(tokens());
    await connector.ensureSchema({
      stages: [
        { key: 'subscriber', label: 'Subscriber' },
        { key: 'marketingqualifiedlead', label: 'Marketing Qualified Lead' },
        { key: 'nurture', label: 'Nurture' },
      ],
      dimensions: ['engagement'],
    });
    const result = await connector.writeBack([
      change('1', 'marketingqualifiedlead', 60),
      change('2', 'nurture', 5),
    ]);
    expect(result.failed).toStrictEqual([]);
    const read = await connector.fetchContacts(['1', '2']);
    expect(read.map((c) => c.stage)).toStrictEqual(['marketingqualifiedlead', 'nurture']);
    expect(run.sandbox.contact(2)!.stage?.name).toBe('Nurture');
    expect([...run.sandbox.state().stages.values()].map((s) => [s.name, s.weight])).toStrictEqual([
      ['Subscriber', 10],
      ['Marketing Qualified Lead', 20],
      ['Nurture', 30],
    ]);
  });

  it('should answer a batch over 200 items the way Mautic does', async () => {
    const token = run.sandbox.issueTokens().accessToken;
    const res = await axios.patch(
      `${run.baseUrl}/api/contacts/batch/edit`,
      Array.from({ length: 201 }, (_, i) => ({ id: i + 1 })),
      { headers: { authorization: `Bearer ${token}` }, validateStatus: () => true },
    );
    expect(res.status).toBe(500);
    // FetchCommonApiController::validateBatchPayload → returnError() (default status 500).
    expect(res.data).toStrictEqual({
      errors: [
        { code: 500, message: 'A max of 200 entities are supported at a time.', details: [], type: null },
      ],
    });
  });
});

describe('when tokens expire or the instance refuses', () => {
  it('should refresh an access token the sandbox expired and rotate the refresh token', async () => {
    const creds = tokens();
    const { connector, credentials } = connect(creds);
    run.sandbox.expireAccessToken((creds as { accessToken: string }).accessToken);
    await connector.fetchContacts(['1']);
    const now = credentials.current as { accessToken: string; refreshToken: string };
    expect(now.accessToken).not.toBe((creds as { accessToken: string }).accessToken);
    expect(run.sandbox.stats().calls).toMatchObject({ 'GET /api/contacts': 2, 'POST /oauth/v2/token': 1 });

    // The old refresh token was retired by the rotation.
    const stale = await axios.post(
      `${run.baseUrl}/oauth/v2/token`,
      new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: (creds as { refreshToken: string }).refreshToken,
        client_id: SANDBOX_OAUTH_APP.clientId,
        client_secret: SANDBOX_OAUTH_APP.clientSecret,
        redirect_uri: REDIRECT,
      }).toString(),
      { validateStatus: () => true },
    );
    expect(stale.status).toBe(400);
    expect(stale.data).toStrictEqual({ error: 'invalid_grant', error_description: 'Invalid refresh token' });
  });

  it('should refresh with the sandbox app when the default definition meets the local sandbox', async () => {
    expect(isLocalSandbox(run.baseUrl)).toBe(true);
    expect(isLocalSandbox('https://mautic.example.com/mautic')).toBe(false);
    const creds = { ...tokens(), expiresAt: new Date(run.clock.ms - 1).toISOString() };
    const t = makeContext(run.baseUrl, creds);
    t.ctx.now = () => new Date(run.clock.ms);
    const saved = process.env.MAUTIC_CLIENT_ID;
    delete process.env.MAUTIC_CLIENT_ID;
    try {
      await mauticConnector.create(t.ctx).fetchContacts(['1']);
    } finally {
      if (saved !== undefined) process.env.MAUTIC_CLIENT_ID = saved;
    }
    expect(run.sandbox.stats().calls).toStrictEqual({ 'POST /oauth/v2/token': 1, 'GET /api/contacts': 1 });
  });

  it('should flag reconnect when the refresh token died after 14 idle days', async () => {
    // Our record says 13 days (renew), but Mautic issued the refresh token 15 days ago.
    const creds = { ...tokens(), refreshedAt: new Date(run.clock.ms + 2 * 86_400_000).toISOString() };
    run.clock.ms += 15 * 86_400_000;
    const { connector, credentials } = connect(creds);
    await expect(connector.fetchContacts(['1'])).rejects.toBeInstanceOf(AuthError);
    expect(credentials.reconnectReasons).toHaveLength(1);
    expect(run.sandbox.stats().calls['POST /oauth/v2/token']).toBe(1);
  });

  it('should explain a disabled API and basic auth, and work once basic auth is on', async () => {
    run.sandbox.settings.apiEnabled = false;
    await expect(connect(tokens()).connector.fetchContacts(['1'])).rejects.toThrow(
      /API Settings → "API enabled\?" = Yes/,
    );
    run.sandbox.settings.apiEnabled = true;

    const basic = { kind: 'basic' as const, ...SANDBOX_BASIC_AUTH };
    await expect(connect(basic).connector.fetchContacts(['1'])).rejects.toBeInstanceOf(ConfigError);
    run.sandbox.settings.basicAuthEnabled = true;
    const found = await connect(basic).connector.fetchContacts(['1', '2']);
    expect(found.map((c) => c.id)).toStrictEqual(['1', '2']);
    await expect(
      connect({ ...basic, password: 'wrong' }).connector.fetchContacts(['1']),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('should ride out a 429 and a 503 and count them', async () => {
    run.sandbox.failNext({ endpoint: 'GET /api/contacts', status: 429, headers: { 'Retry-After': '0' } });
    run.sandbox.failNext({ endpoint: 'GET /api/contacts', status: 503 });
    const found = await connect(tokens()).connector.fetchContacts(['7']);
    expect(found.map((c) => c.id)).toStrictEqual(['7']);
    expect(run.sandbox.stats()).toStrictEqual({ calls: { 'GET /api/contacts': 3 }, rateLimited: 1 });
  });

  it('should retry a dropped connection and forget faults once cleared', async () => {
    run.sandbox.failNext({ endpoint: 'GET /api/contacts', status: 0, drop: true });
    const found = await connect(tokens()).connector.fetchContacts(['7']);
    expect(found.map((c) => c.id)).toStrictEqual(['7']);
    // The dropped call and its retry both reached the sandbox.
    expect(run.sandbox.stats().calls['GET /api/contacts']).toBe(2);
    run.sandbox.failNext({ endpoint: 'GET /api/contacts', status: 503, times: 5 });
    run.sandbox.clearFaults();
    await connect(tokens()).connector.fetchContacts(['7']);
    expect(run.sandbox.stats().calls['GET /api/contacts']).toBe(3);
  });
});

describe('when the sandbox serves its wire format', () => {
  it('should keep the requested order in the id-keyed object and send total as a string', async () => {
    const token = run.sandbox.issueTokens().accessToken;
    const res = await axios.get(`${run.baseUrl}/api/contacts?limit=3&orderBy=id&orderByDir=desc`, {
      headers: { authorization: `Bearer ${token}` },
      transformResponse: (x: string) => x,
    });
    expect(res.data).toMatch(/^\{"total":"60","contacts":\{"60":\{.*\},"59":\{.*\},"58":\{/);
    expect(res.headers['mautic-version']).toBe('5.2.1');
  });

  it('should evaluate where statements like Mautic and answer a bad column with an error body', async () => {
    const token = run.sandbox.issueTokens().accessToken;
    const get = (q: string) =>
      axios.get(`${run.baseUrl}/api/contacts?${q}`, {
        headers: { authorization: `Bearer ${token}` },
        validateStatus: () => true,
      });
    const neverModified = [...run.sandbox.state().contacts.values()].filter(
      (c) => c.dateModified === null,
    ).length;
    const nulls = await get('limit=0&where[0][col]=date_modified&where[0][expr]=isNull');
    expect(nulls.data.total).toBe(String(neverModified));
    const some = await get(
      'where[0][expr]=orX&where[0][val][0][col]=id&where[0][val][0][expr]=in&where[0][val][0][val]=2,4' +
        '&where[0][val][1][expr]=andX&where[0][val][1][val][0][col]=id&where[0][val][1][val][0][expr]=gte&where[0][val][1][val][0][val]=59' +
        '&where[0][val][1][val][1][col]=email&where[0][val][1][val][1][expr]=like&where[0][val][1][val][1][val]=%25example',
    );
    expect(Object.keys(some.data.contacts as Record<string, unknown>)).toStrictEqual(['2', '4', '59', '60']);
    const bad = await get('where[0][col]=no-such&where[0][expr]=eq&where[0][val]=1');
    expect(bad.status).toBe(400);
    expect(bad.data).toStrictEqual({
      errors: [{ message: 'unknown column "no-such"', code: 400, type: null }],
    });
  });

  it('should page one query by slices yet answer every change made between pages', async () => {
    const token = run.sandbox.issueTokens().accessToken;
    // The ids in wire order (a parsed object would list integer keys in ascending order).
    const ids = async (q: string) => {
      const res = await axios.get<string>(`${run.baseUrl}/api/contacts?${q}`, {
        headers: { authorization: `Bearer ${token}` },
        transformResponse: (x: string) => x,
      });
      return [...res.data.matchAll(/"(\d+)":\{"id":/g)].map((m) => Number(m[1]));
    };
    const q = (start: number) => `start=${start}&limit=20&orderBy=date_modified,id&orderByDir=asc`;
    const first = [...(await ids(q(0))), ...(await ids(q(20))), ...(await ids(q(40)))];
    expect(first.sort((a, b) => a - b)).toStrictEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // Edited now, contact 1 has the newest date_modified: the same query puts it last.
    run.clock.ms += 60_000;
    run.sandbox.updateContact(1, { company: 'Moved Inc' });
    expect((await ids(q(40))).at(-1)).toBe(1);
    // A contact added now is one more row of the same query (never modified: among the NULLs first).
    const added = run.sandbox.addContact({ email: 'new@example.com' });
    const again = [...(await ids(q(0))), ...(await ids(q(20))), ...(await ids(q(40))), ...(await ids(q(60)))];
    expect(again).toHaveLength(61);
    expect(again).toContain(added);
    expect(again.at(-1)).toBe(1);
  });

  it('should seed the same data for the same seed and clock, and reset to it', () => {
    const now = () => Date.parse('2026-11-26T12:00:00Z');
    const a = createMauticSandbox({ seed: 3, contacts: 20, publicUrl: 'http://x/mautic', now });
    const b = createMauticSandbox({ seed: 3, contacts: 20, publicUrl: 'http://x/mautic', now });
    expect(a.contact(20)).toStrictEqual(b.contact(20));
    expect(a.state().events).toStrictEqual(b.state().events);
    a.updateContact(1, { firstname: 'Changed' });
    a.reset();
    expect(a.contact(1)).toStrictEqual(b.contact(1));
  });
});
