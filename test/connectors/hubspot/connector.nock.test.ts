/**
 * The HubSpot connector against nock, with responses shaped like HubSpot's documented ones
 * (test/fixtures/hubspot). Network access is disabled and every mocked call must be used.
 */
import { readFileSync } from 'node:fs';

import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { HubspotApi } from '../../../connectors/hubspot/api.ts';
import { TokenProvider } from '../../../connectors/hubspot/auth.ts';
import { createHubspotConnectorDefinition } from '../../../connectors/hubspot/index.ts';
import { loadHubspotMapping, type HubspotMapping } from '../../../connectors/hubspot/mapping.ts';
import { walkByDate } from '../../../connectors/hubspot/search.ts';
import type { Credentials } from '../../../src/pipeline/ports.ts';
import { ApiLimitExceededError, AuthError, TransientError } from '../../../src/errors.ts';
import type { StageChange } from '../../../src/model.ts';
import { RecordingLimiter, collect, makeContext } from './helpers.ts';

const BASE = 'https://api.hubapi.com';
const NOW = new Date('2024-05-04T10:00:00.000Z');
const APP = { clientId: 'test-client-id', clientSecret: 'test-client-secret' };

function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/hubspot/${name}`, import.meta.url), 'utf8')) as T;
}

const freshOAuth = (): Extract<Credentials, { kind: 'oauth2' }> => ({
  kind: 'oauth2',
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  expiresAt: new Date(NOW.getTime() + 30 * 60_000).toISOString(),
});

function setup(
  options: {
    credentials?: Credentials;
    mapping?: HubspotMapping;
    api?: { timeoutMs?: number; maxAttempts?: number };
  } = {},
) {
  const limiter = new RecordingLimiter();
  const made = makeContext({
    baseUrl: BASE,
    credentials: options.credentials ?? freshOAuth(),
    limiter,
    now: () => NOW,
  });
  const definition = createHubspotConnectorDefinition({
    app: APP,
    connector: {
      random: () => 0,
      ...options.api,
      ...(options.mapping ? { mapping: options.mapping } : {}),
    },
  });
  return { ...made, limiter, connector: definition.create(made.ctx), definition };
}

const json = { 'Content-Type': 'application/json;charset=utf-8' };

/** nock 15 hands a reply function the intercepted fetch `Request`. */
async function bodyOf<T>(req: unknown): Promise<T> {
  return (await (req as Request).json()) as T;
}

function lifecycleProperty(scope = nock(BASE)) {
  return scope
    .get('/crm/v3/properties/contacts/lifecyclestage')
    .reply(200, fixture('property-lifecyclestage.json'), json);
}

/** HubSpot's answer to a batch request that finds or changes nothing. */
const emptyBatch = () => ({
  status: 'COMPLETE',
  results: [],
  startedAt: NOW.toISOString(),
  completedAt: NOW.toISOString(),
});

function emptyBatchRead(scope = nock(BASE), headers: Record<string, string> = json) {
  return scope.post('/crm/v3/objects/contacts/batch/read').reply(200, emptyBatch(), headers);
}

interface SearchBody {
  filterGroups: { filters: { propertyName: string; operator: string; value: string }[] }[];
  sorts: { propertyName: string; direction: string }[];
  limit: number;
  after?: string;
  properties: string[];
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  // Every mocked HubSpot call must have been made.
  if (pending.length > 0) throw new Error(`mocked HubSpot calls never made: ${pending.join(', ')}`);
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('pullContacts', () => {
  it('maps documented search pages to canonical contacts, oldest first, with a cursor per page', async () => {
    const { connector } = setup();
    lifecycleProperty();
    const bodies: SearchBody[] = [];
    nock(BASE)
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => bodies.push(b) > 0 && b.after === undefined)
      .reply(200, fixture('search-page-1.json'), json)
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => bodies.push(b) > 0 && b.after === '2')
      .reply(200, fixture('search-page-2.json'), json);

    const { records, cursors } = await collect(connector.pullContacts(null));

    expect(bodies[0]).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '0' }] }],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      limit: 200,
    });
    expect(bodies[0]!.properties).toEqual(
      expect.arrayContaining(['lifecyclestage', 'numberofemployees', 'bant_budget']),
    );
    expect(records.map((c) => c.id)).toEqual(['51', '101', '151']);
    expect(records[0]).toEqual({
      id: '51',
      updatedAt: '2024-05-02T08:15:00.000Z',
      stage: 'lead',
      properties: expect.objectContaining({
        email: 'bh@hubspot.com',
        employees: 7000,
        consent: true,
        budget: 'approved',
        need: null,
        meeting_booked: true,
      }),
    });
    // A custom lifecycle stage (numeric internal value) maps back through its label.
    expect(records[1]!.stage).toBe('nurture');
    expect(records[2]!.stage).toBe('mql');
    expect(cursors.at(-2)).toEqual({ lastModified: Date.parse('2024-05-03T11:00:00.000Z'), lastId: '151' });
    // The finished walk saw everything the index had settled on (2 minutes of lag before now), so
    // the watermark moves there: writes made after this pull are read back once, not forever.
    expect(cursors.at(-1)).toEqual({ lastModified: NOW.getTime() - 120_000, lastId: null });
  });

  it('re-reads an overlap before the stored watermark, because search results lag', async () => {
    const { connector } = setup();
    lifecycleProperty();
    const watermark = Date.parse('2024-05-03T11:00:00.000Z');
    let filterValue: string | undefined;
    nock(BASE)
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => {
        filterValue = b.filterGroups[0]!.filters[0]!.value;
        return true;
      })
      .reply(200, { total: 0, results: [] }, json);

    const { records, cursors } = await collect(
      connector.pullContacts({ lastModified: watermark, lastId: '151' }),
    );

    expect(filterValue).toBe(String(watermark - 120_000));
    expect(records).toEqual([]);
    expect(cursors).toEqual([
      { lastModified: watermark, lastId: '151' },
      { lastModified: NOW.getTime() - 120_000, lastId: null },
    ]);
  });

  it('gets every contact of a portal above the 10,000-result cap by restarting the window', async () => {
    const { connector } = setup();
    lifecycleProperty();
    // 10,050 contacts, two per timestamp, so the restart boundary falls inside a tie.
    const base = Date.parse('2024-01-01T00:00:00.000Z');
    const portal = Array.from({ length: 10_050 }, (_, i) => ({
      id: String(i + 1),
      ts: base + Math.floor(i / 2) * 1000,
    }));
    const requests: { from: number; after: number }[] = [];
    nock(BASE)
      .persist()
      .post('/crm/v3/objects/contacts/search')
      .reply(async (req: unknown) => {
        const b = await bodyOf<SearchBody>(req);
        const from = Number(b.filterGroups[0]!.filters[0]!.value);
        const after = Number(b.after ?? 0);
        requests.push({ from, after });
        if (after >= 10_000) {
          return [
            400,
            { status: 'error', message: 'paging past 10,000 results', category: 'VALIDATION_ERROR' },
            json,
          ];
        }
        const rows = portal.filter((c) => c.ts >= from);
        const page = rows.slice(after, after + b.limit);
        return [
          200,
          {
            total: rows.length,
            results: page.map((c) => ({
              id: c.id,
              properties: {
                hs_object_id: c.id,
                lastmodifieddate: new Date(c.ts).toISOString(),
                lifecyclestage: 'lead',
              },
              createdAt: new Date(base).toISOString(),
              updatedAt: new Date(c.ts).toISOString(),
              archived: false,
            })),
            ...(after + b.limit < rows.length
              ? { paging: { next: { after: String(after + b.limit) } } }
              : {}),
          },
          json,
        ];
      });

    const { records, totals } = await collect(connector.pullContacts(null));

    const ids = records.map((c) => c.id);
    expect(new Set(ids).size).toBe(10_050);
    // Every page tells the whole pull's size, the restarted window included: 10,000 emitted before
    // it + 52 matches from the tie at index 9,998/9,999 − those 2 already emitted = 10,050.
    const told = totals.filter((t) => t !== undefined);
    expect(told.length).toBeGreaterThanOrEqual(51);
    expect(new Set(told)).toStrictEqual(new Set([10_050]));
    expect(ids).toHaveLength(10_050);
    expect(requests.every((r) => r.after < 10_000)).toBe(true);
    // 50 pages in the first window, one in the restarted window from the last seen timestamp.
    expect(requests).toHaveLength(51);
    expect(requests[50]).toEqual({ from: portal[9_999]!.ts, after: 0 });
  });
});

describe('auth', () => {
  const expired = (): Credentials => ({
    ...freshOAuth(),
    expiresAt: new Date(NOW.getTime() - 1000).toISOString(),
  });

  it('refreshes an expired token through /oauth/v3/token before calling, then uses the new one', async () => {
    const { connector, credentials } = setup({ credentials: expired() });
    let form: URLSearchParams | undefined;
    nock(BASE)
      .post('/oauth/v3/token', (body: string) => {
        form = new URLSearchParams(body);
        return true;
      })
      .reply(200, fixture('token-response.json'), json);
    const newToken = fixture<{ access_token: string }>('token-response.json').access_token;
    lifecycleProperty(nock(BASE, { reqheaders: { authorization: `Bearer ${newToken}` } }));
    emptyBatchRead(nock(BASE, { reqheaders: { authorization: `Bearer ${newToken}` } }));

    await connector.fetchContacts(['51']);

    expect(Object.fromEntries(form!)).toEqual({
      grant_type: 'refresh_token',
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      refresh_token: 'refresh-1',
    });
    expect(credentials.current).toMatchObject({
      kind: 'oauth2',
      accessToken: newToken,
      refreshToken: 'na1-6f2b-1c3d-4e5f-a6b7-c8d9e0f1a2b3',
      expiresAt: new Date(NOW.getTime() + 1800_000).toISOString(),
    });
  });

  it('makes one refresh call when two workers sharing the connection find the token expired', async () => {
    const a = setup({ credentials: expired() });
    // A second worker: its own connector, the same credential store (which holds the lock).
    const b = createHubspotConnectorDefinition({ app: APP }).create({ ...a.ctx });
    nock(BASE).post('/oauth/v3/token').once().reply(200, fixture('token-response.json'), json);
    lifecycleProperty();
    lifecycleProperty();
    nock(BASE).post('/crm/v3/objects/contacts/batch/read').twice().reply(200, emptyBatch(), json);

    await Promise.all([a.connector.fetchContacts(['51']), b.fetchContacts(['51'])]);

    expect(a.calls.calls['POST /oauth/v3/token']).toBe(1);
  });

  it('answers a 401 EXPIRED_AUTHENTICATION with one refresh and one retry', async () => {
    const { connector, calls } = setup();
    nock(BASE)
      .get('/crm/v3/properties/contacts/lifecyclestage')
      .reply(401, fixture('expired-token-401.json'), json);
    nock(BASE).post('/oauth/v3/token').reply(200, fixture('token-response.json'), json);
    lifecycleProperty();
    emptyBatchRead();

    await expect(connector.fetchContacts(['51'])).resolves.toEqual([]);
    expect(calls.calls['GET /crm/v3/properties/contacts/:propertyName']).toBe(2);
  });

  it('marks the connection needs_reconnect when HubSpot refuses the refresh token', async () => {
    const { connector, credentials, calls } = setup({ credentials: expired() });
    nock(BASE).post('/oauth/v3/token').reply(400, fixture('bad-refresh-token.json'), json);

    const err = await connector.fetchContacts(['51']).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('invalid_grant');
    expect(credentials.needsReconnect).toMatch(/Reconnect HubSpot/);
    expect(credentials.needsReconnect).not.toContain('refresh-1');
    expect(calls.calls['GET /crm/v3/properties/contacts/:propertyName']).toBeUndefined();
  });

  it('treats a rejected private app token as needing a reconnect', async () => {
    const { connector, credentials } = setup({ credentials: { kind: 'private_app', token: 'pat-na1-x' } });
    nock(BASE)
      .get('/crm/v3/properties/contacts/lifecyclestage')
      .reply(401, fixture('expired-token-401.json'), json);

    await expect(connector.fetchContacts(['51'])).rejects.toBeInstanceOf(AuthError);
    expect(credentials.needsReconnect).toMatch(/private app token/);
  });
});

describe('rate limits and retries', () => {
  it('pauses the bucket for the interval in the 429 headers, retries, and adopts the announced budget', async () => {
    const { connector, limiter } = setup();
    const limited = fixture<{ headers: Record<string, string>; body: object }>('rate-limit-429.json');
    nock(BASE)
      .get('/crm/v3/properties/contacts/lifecyclestage')
      .reply(429, limited.body, { ...json, ...limited.headers })
      .get('/crm/v3/properties/contacts/lifecyclestage')
      .reply(200, fixture('property-lifecyclestage.json'), {
        ...json,
        'X-HubSpot-RateLimit-Max': '110',
        'X-HubSpot-RateLimit-Remaining': '60',
        'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
      });
    emptyBatchRead();

    await connector.fetchContacts(['51']);

    expect(limiter.pauses).toContainEqual({ bucket: 'hubspot:62515:api', waitMs: 10_000 });
    expect(limiter.budgets.get('hubspot:62515:api')).toEqual({ max: 99, windowMs: 10_000 });
  });

  it('abandons a held search at its deadline and retries it as a transient failure', async () => {
    const { connector } = setup({ api: { timeoutMs: 200 } });
    lifecycleProperty();
    nock(BASE)
      .post('/crm/v3/objects/contacts/search')
      .delay(5_000)
      .reply(200, { total: 0, results: [] }, json)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] }, json);

    const { records } = await collect(connector.pullContacts(null));

    expect(records).toEqual([]);
  });

  it('fails a search held on every attempt with an error naming vendor, method and path, not the URL', async () => {
    const { connector } = setup({ api: { timeoutMs: 100, maxAttempts: 2 } });
    lifecycleProperty();
    nock(BASE)
      .post('/crm/v3/objects/contacts/search')
      .times(2)
      .delay(5_000)
      .reply(200, { total: 0, results: [] }, json);

    const failure = await collect(connector.pullContacts(null)).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe(
      'HubSpot POST /crm/v3/objects/contacts/search timed out after 0.1 s',
    );
  });

  it('waits a second after a search 429 (which carries no rate-limit headers)', async () => {
    const { connector, limiter } = setup();
    lifecycleProperty();
    nock(BASE)
      .post('/crm/v3/objects/contacts/search')
      .reply(429, fixture('search-secondly-429.json'), json)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] }, json);

    await collect(connector.pullContacts(null));

    expect(limiter.pauses).toEqual([{ bucket: 'hubspot:62515:search', waitMs: 1000 }]);
  });

  it("reports a private app's daily budget from the response headers, and none for OAuth installs", async () => {
    const daily = {
      'X-HubSpot-RateLimit-Daily': '250000',
      'X-HubSpot-RateLimit-Daily-Remaining': '249870',
      'X-HubSpot-RateLimit-Max': '190',
      'X-HubSpot-RateLimit-Remaining': '189',
      'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
    };
    const privateApp = setup({ credentials: { kind: 'private_app', token: 'pat-na1-x' } });
    nock(BASE)
      .get('/crm/v3/properties/contacts/lifecyclestage')
      .reply(200, fixture('property-lifecyclestage.json'), { ...json, ...daily });
    emptyBatchRead(nock(BASE), { ...json, ...daily, 'X-HubSpot-RateLimit-Daily-Remaining': '249869' });
    await privateApp.connector.fetchContacts(['51']);
    expect(privateApp.calls.budgets).toEqual({ hubspot: { remaining: 249_869, limit: 250_000 } });

    const oauth = setup();
    lifecycleProperty();
    emptyBatchRead();
    await oauth.connector.fetchContacts(['51']);
    expect(oauth.calls.budgets).toEqual({});
  });

  it('stops on a DAILY 429 without retrying', async () => {
    const { connector, calls } = setup({ credentials: { kind: 'private_app', token: 'pat-na1-x' } });
    const limited = fixture<{ headers: Record<string, string>; body: object }>('rate-limit-daily-429.json');
    nock(BASE)
      .get('/crm/v3/properties/contacts/lifecyclestage')
      .reply(429, limited.body, { ...json, ...limited.headers });

    await expect(connector.fetchContacts(['51'])).rejects.toBeInstanceOf(ApiLimitExceededError);
    expect(calls.total()).toBe(1);
  });

  it('retries a 502 with backoff', async () => {
    const { connector, limiter } = setup();
    nock(BASE)
      .get('/crm/v3/properties/contacts/lifecyclestage')
      .reply(502, { status: 'error', message: 'Bad Gateway', category: 'INTERNAL_ERROR' }, json);
    lifecycleProperty();
    emptyBatchRead();

    await connector.fetchContacts(['51']);

    expect(limiter.pauses).toEqual([{ bucket: 'hubspot:62515:api', waitMs: 250 }]);
  });
});

describe('writeBack', () => {
  const change = (contactId: string, over: Partial<StageChange> = {}): StageChange => ({
    contactId,
    stage: 'mql',
    scores: { fit: 40, engagement: 25.456, total: 65.456 },
    summary: 'MQL: fit 40 ≥ 30 and engagement 25 ≥ 20',
    modelVersion: 'sha256:abc',
    recycled: false,
    ...over,
  });

  it('writes stage, scores, reason and model version; a 207 becomes per-record outcomes', async () => {
    const { connector } = setup();
    lifecycleProperty();
    let sent: { inputs: { id: string; properties: Record<string, string> }[] } | undefined;
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/update', (b: typeof sent) => {
        sent = b;
        return true;
      })
      .reply(207, fixture('batch-update-207.json'), json);

    const result = await connector.writeBack([change('51'), change('999')]);

    expect(sent!.inputs[0]).toEqual({
      id: '51',
      properties: {
        lifecyclestage: 'marketingqualifiedlead',
        leadstage_score_fit: '40',
        leadstage_score_engagement: '25.46',
        leadstage_score_total: '65.46',
        leadstage_stage_reason: 'MQL: fit 40 ≥ 30 and engagement 25 ≥ 20',
        leadstage_model_version: 'sha256:abc',
      },
    });
    expect(result.ok).toEqual(['51']);
    expect(result.failed).toEqual([
      expect.objectContaining({ id: '999', code: 'object_not_found', retryable: false }),
    ]);
  });

  it('moves a recycled contact back by clearing lifecyclestage in one request and setting it in another', async () => {
    const { connector } = setup();
    lifecycleProperty();
    const seen: Record<string, string>[] = [];
    nock(BASE)
      .post(
        '/crm/v3/objects/contacts/batch/update',
        (b: { inputs: { properties: Record<string, string> }[] }) => {
          seen.push(b.inputs[0]!.properties);
          return true;
        },
      )
      .twice()
      .reply(200, async (req: unknown) => {
        const b = await bodyOf<{ inputs: { id: string; properties: Record<string, string> }[] }>(req);
        return {
          status: 'COMPLETE',
          results: b.inputs.map((i) => ({ id: i.id, properties: i.properties, archived: false })),
          startedAt: NOW.toISOString(),
          completedAt: NOW.toISOString(),
        };
      });

    const result = await connector.writeBack([
      change('51', { stage: 'nurture', previousStage: 'disqualified', recycled: true }),
    ]);

    expect(seen[0]).toEqual({ lifecyclestage: '' });
    expect(seen[1]).toMatchObject({ lifecyclestage: '1001' });
    expect(result).toEqual({ ok: ['51'], failed: [] });
  });

  it('sends at most 100 records per batch', async () => {
    const { connector } = setup();
    lifecycleProperty();
    const sizes: number[] = [];
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/update')
      .twice()
      .reply(200, async (req: unknown) => {
        const b = await bodyOf<{ inputs: { id: string }[] }>(req);
        sizes.push(b.inputs.length);
        return emptyBatch();
      });

    const result = await connector.writeBack(Array.from({ length: 150 }, (_, i) => change(String(i + 1))));

    expect(sizes).toEqual([100, 50]);
    expect(result.ok).toHaveLength(150);
  });

  it('narrows a whole-batch 400 down to the record HubSpot refuses', async () => {
    const { connector } = setup();
    lifecycleProperty();
    nock(BASE)
      .persist()
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(async (req: unknown) => {
        const b = await bodyOf<{ inputs: { id: string }[] }>(req);
        if (b.inputs.some((i) => i.id === '2')) return [400, fixture('batch-update-400.json'), json];
        return [200, emptyBatch(), json];
      });

    const result = await connector.writeBack(['1', '2', '3', '4'].map((id) => change(id)));

    expect(result.ok.sort()).toEqual(['1', '3', '4']);
    expect(result.failed).toEqual([
      expect.objectContaining({
        id: '2',
        code: 'validation_error',
        retryable: false,
        message: expect.stringContaining('INVALID_FLOAT'),
      }),
    ]);
  });

  it('fails a stage the portal cannot hold per record, without sending it', async () => {
    const { connector } = setup();
    lifecycleProperty();

    const result = await connector.writeBack([change('51', { stage: 'no_such_stage' })]);

    expect(result).toEqual({
      ok: [],
      failed: [expect.objectContaining({ id: '51', code: 'unmapped_stage', retryable: false })],
    });
  });
});

describe('pullEngagement', () => {
  it('maps email events, page views and booked meetings to canonical events with stable ids', async () => {
    const base = loadHubspotMapping();
    const mapping: HubspotMapping = {
      ...base,
      engagement: {
        emailEvents: { OPEN: 'email_open' },
        webEvents: { e_visited_page: 'page_view' },
        meetingBookedProperty: 'engagements_last_meeting_booked',
      },
    };
    const { connector } = setup({ mapping });
    const since = Date.parse('2024-05-01T00:00:00.000Z');
    nock(BASE)
      .get('/email/public/v1/events')
      .query({
        eventType: 'OPEN',
        startTimestamp: String(since - 15 * 60_000),
        endTimestamp: String(NOW.getTime()),
        limit: '1000',
        excludeFilteredEvents: 'true',
      })
      .reply(200, fixture('email-events.json'), json);
    let readBody: { idProperty?: string; inputs: { id: string }[] } | undefined;
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/read', (b: typeof readBody) => {
        readBody = b;
        return true;
      })
      .reply(207, fixture('batch-read-by-email-207.json'), json);
    nock(BASE)
      .get('/events/v3/events/')
      .query((q) => q.objectType === 'contact' && q.eventType === 'e_visited_page' && q.limit === '100')
      .reply(200, fixture('web-events-page-views.json'), json);
    nock(BASE)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, fixture('search-page-1.json'), json)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, fixture('search-page-2.json'), json);

    const cursorIn = { 'email:OPEN': since, 'web:e_visited_page': since, meeting: since };
    const { records, cursors } = await collect(connector.pullEngagement(cursorIn));

    expect(readBody).toMatchObject({
      idProperty: 'email',
      inputs: [{ id: 'bh@hubspot.com' }, { id: 'gone@example.com' }],
    });
    // Streams are read side by side (email events wait for the contact walk): order across streams
    // is not part of the contract, each event is.
    expect(records).toHaveLength(3);
    expect(records).toEqual(
      expect.arrayContaining([
        {
          id: 'hubspot:email:1714640000000:f73957fb-ad40-4eb8-b9c0-bd6f69b38af9',
          contactId: '51',
          type: 'email_open',
          at: new Date(1714640000000).toISOString(),
          properties: { emailName: 'Webinar invitation', campaignId: '2503007' },
        },
        {
          id: 'hubspot:web:e_visited_page:a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
          contactId: '51',
          type: 'page_view',
          at: '2024-05-02T08:10:00.000Z',
          properties: { url: 'https://example.com/pricing', title: 'Pricing', hs_browser: 'chrome' },
        },
        {
          id: `hubspot:meeting_booked:51:${Date.parse('2024-05-01T14:00:00.000Z')}`,
          contactId: '51',
          type: 'meeting_booked',
          at: '2024-05-01T14:00:00.000Z',
          properties: {},
        },
      ]),
    );
    expect(cursors.at(-1)).toEqual({
      'email:OPEN': NOW.getTime(),
      'web:e_visited_page': NOW.getTime(),
      meeting: NOW.getTime(),
    });
  });

  it('skips a stream whose scope was not granted and leaves its cursor alone', async () => {
    const base = loadHubspotMapping();
    const mapping: HubspotMapping = {
      ...base,
      engagement: { emailEvents: { OPEN: 'email_open' }, webEvents: {}, meetingBookedProperty: '' },
    };
    const { connector } = setup({ mapping });
    nock(BASE).get('/email/public/v1/events').query(true).reply(
      403,
      {
        status: 'error',
        message: 'This oauth-token (...) does not have proper permissions! (requires any of [content])',
        category: 'MISSING_SCOPES',
      },
      json,
    );

    const { records, cursors } = await collect(connector.pullEngagement({ 'email:OPEN': 5 }));

    expect(records).toEqual([]);
    expect(cursors).toEqual([]);
  });
});

describe('ensureSchema', () => {
  /** The portal's property list: lifecycle stage plus the given properties. */
  const propertyList = (...properties: Record<string, unknown>[]) =>
    nock(BASE)
      .get('/crm/v3/properties/contacts')
      .reply(200, { results: [fixture('property-lifecyclestage.json'), ...properties] }, json);

  it('creates only the score, reason, version and stage properties that are missing', async () => {
    const { connector } = setup();
    propertyList({
      ...fixture('property-lifecyclestage.json'),
      name: 'leadstage_score_fit',
      type: 'number',
      fieldType: 'number',
      options: [],
    });
    let created:
      { inputs: { name: string; type: string; fieldType: string; groupName: string }[] } | undefined;
    nock(BASE)
      .post('/crm/v3/properties/contacts/batch/create', (b: typeof created) => {
        created = b;
        return true;
      })
      .reply(201, fixture('property-batch-create-201.json'), json);

    await connector.ensureSchema({
      stages: [{ key: 'mql', label: 'MQL' }],
      dimensions: ['fit', 'engagement'],
    });

    expect(created!.inputs.map((i) => i.name)).toEqual([
      'leadstage_score_engagement',
      'leadstage_score_total',
      'leadstage_stage_reason',
      'leadstage_model_version',
      'leadstage_stage',
    ]);
    expect(created!.inputs[0]).toMatchObject({
      type: 'number',
      fieldType: 'number',
      groupName: 'contactinformation',
    });
    // The model's exact stage: an enumeration of its stages, key and label.
    expect(created!.inputs[4]).toMatchObject({
      type: 'enumeration',
      fieldType: 'select',
      options: [{ value: 'mql', label: 'MQL', hidden: false, displayOrder: 0 }],
    });
  });

  it("adds a new model's stages to the stage property, keeping the earlier ones", async () => {
    const { connector } = setup();
    const stageProperty = {
      ...fixture('property-lifecyclestage.json'),
      name: 'leadstage_stage',
      options: [{ value: 'mql', label: 'MQL', hidden: false, displayOrder: 0 }],
    };
    const others = [
      'leadstage_score_fit',
      'leadstage_score_total',
      'leadstage_stage_reason',
      'leadstage_model_version',
    ];
    propertyList(stageProperty, ...others.map((name) => ({ ...stageProperty, name, options: [] })));
    let patched: { options: { value: string; label: string }[] } | undefined;
    nock(BASE)
      .patch('/crm/v3/properties/contacts/leadstage_stage', (b: typeof patched) => {
        patched = b;
        return true;
      })
      .reply(200, stageProperty, json);

    await connector.ensureSchema({
      stages: [
        { key: 'prospect', label: 'Prospect' },
        { key: 'mql', label: 'MQL' },
      ],
      dimensions: ['fit'],
    });

    expect(patched!.options.map((o) => [o.value, o.label])).toEqual([
      ['mql', 'MQL'],
      ['prospect', 'Prospect'],
    ]);
    expect(nock.isDone()).toBe(true);
  });
});

describe('OAuth flow', () => {
  const app = { ...APP, redirectUri: 'https://leadstage.example/oauth/hubspot/callback' };

  it('builds the authorize URL with the scopes and state, on the sandbox host when pointed at one', () => {
    const { definition } = setup();
    const real = new URL(definition.oauth.authorizeUrl(app, { state: 's-123' }));
    const sandbox = new URL(
      definition.oauth.authorizeUrl(app, { state: 's-123', baseUrl: 'http://127.0.0.1:4010/hubspot' }),
    );

    expect(real.origin + real.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(real.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['crm.objects.contacts.write', 'crm.schemas.contacts.write']),
    );
    expect(real.searchParams.get('state')).toBe('s-123');
    expect(real.searchParams.get('redirect_uri')).toBe(app.redirectUri);
    expect(sandbox.origin + sandbox.pathname).toBe('http://127.0.0.1:4010/hubspot/oauth/authorize');
  });

  it('exchanges the code on /oauth/v3/token and reads the hub id as the account', async () => {
    const { definition } = setup();
    let form: URLSearchParams | undefined;
    nock(BASE)
      .post('/oauth/v3/token', (body: string) => {
        form = new URLSearchParams(body);
        return true;
      })
      .reply(200, fixture('token-response.json'), json);

    const out = await definition.oauth.exchangeCode(app, { code: 'code-1' });

    expect(form!.get('grant_type')).toBe('authorization_code');
    expect(form!.get('redirect_uri')).toBe(app.redirectUri);
    expect(out.accountId).toBe('62515');
    expect(out.baseUrl).toBe(BASE);
    expect(out.credentials).toMatchObject({
      kind: 'oauth2',
      refreshToken: 'na1-6f2b-1c3d-4e5f-a6b7-c8d9e0f1a2b3',
    });
  });
});

describe('walkByDate', () => {
  it('walks an instant shared by more contacts than one window holds by record id, once each', async () => {
    const { ctx } = setup();
    const api = new HubspotApi(ctx, new TokenProvider(ctx, () => APP));
    const ts = Date.parse('2024-05-01T00:00:00.000Z');
    // Seven contacts imported in the same millisecond, then one later.
    const portal = [
      ...['17', '3', '12', '5', '9', '1', '30'].map((id) => ({ id, ts })),
      { id: '2', ts: ts + 5000 },
    ];
    const seen: SearchBody[] = [];
    nock(BASE)
      .persist()
      .post('/crm/v3/objects/contacts/search')
      .reply(async (req: unknown) => {
        const b = await bodyOf<SearchBody>(req);
        seen.push(b);
        const after = Number(b.after ?? 0);
        if (after >= 4) return [400, { status: 'error', message: 'cap', category: 'VALIDATION_ERROR' }, json];
        const value = (c: { id: string; ts: number }, p: string) =>
          p === 'hs_object_id' ? Number(c.id) : c.ts;
        const rows = portal
          .filter((c) =>
            b.filterGroups[0]!.filters.every((f) => {
              const v = value(c, f.propertyName);
              const x = Number(f.value);
              return f.operator === 'EQ' ? v === x : f.operator === 'GT' ? v > x : v >= x;
            }),
          )
          // HubSpot leaves the order of ties unspecified: this emulator returns them in insertion order.
          .sort((a, b2) => value(a, b.sorts[0]!.propertyName) - value(b2, b.sorts[0]!.propertyName));
        const page = rows.slice(after, after + b.limit);
        return [
          200,
          {
            total: rows.length,
            results: page.map((c) => ({
              id: c.id,
              properties: { hs_object_id: c.id, lastmodifieddate: new Date(c.ts).toISOString() },
            })),
            ...(after + b.limit < rows.length
              ? { paging: { next: { after: String(after + b.limit) } } }
              : {}),
          },
          json,
        ];
      });

    const ids: string[] = [];
    for await (const page of walkByDate(api, {
      dateProperty: 'lastmodifieddate',
      properties: [],
      fromMs: 0,
      pageSize: 2,
      resultCap: 4,
    })) {
      ids.push(...page.records.map((r) => r.id));
    }

    expect(ids.sort()).toEqual(['1', '12', '17', '2', '3', '30', '5', '9']);
    expect(seen.every((b) => Number(b.after ?? 0) < 4)).toBe(true);
    expect(seen.some((b) => b.filterGroups[0]!.filters.some((f) => f.propertyName === 'hs_object_id'))).toBe(
      true,
    );
  });
});
