/**
 * The HubSpot sandbox driven by the official `@hubspot/api-client`, unchanged, through the calls the
 * connector makes (search, batch read and update, properties), each checked against the shape
 * HubSpot documents, not against what the connector expects, plus the error and rate-limit answers
 * (../shared/specs/API-NOTES.md §1.2 error body, §1.7 rate limits, §1.10 the client). The connector
 * makes no associations call, so none is checked here.
 * @see https://developers.hubspot.com/docs/api/crm/search (limit ≤ 200, `paging.next.after`, `total`)
 * @see https://developers.hubspot.com/docs/api/crm/contacts (batch read/update: `{status, results}`)
 * @see https://developers.hubspot.com/docs/api/crm/properties (a property: name, label, type, fieldType, options)
 * @see https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines (429, headers)
 */
import { Client, SEARCH_LIMITER_OPTIONS } from '@hubspot/api-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createHubspotSandbox, SANDBOX_PRIVATE_APP_TOKEN } from '../../../connectors/hubspot/index.ts';
import type { HubspotSandboxLimits } from '../../../connectors/hubspot/sandbox/index.ts';
import { serve } from './helpers.ts';

type Running = Awaited<ReturnType<typeof serve<ReturnType<typeof createHubspotSandbox>>>>;
let running: Running;
let client: Client;
/**
 * Searches go through a client of their own with the SDK's search limiter, as API-NOTES §4.4 advises:
 * search allows 5 requests a second per account, and the tests page through several. (The SDK keeps
 * its decorators in a process-wide singleton set by the newest Client, so until the rate-limit tests
 * build theirs, every client here waits on that limiter; that only slows the calls.)
 */
let searchClient: Client;

/** The official client as the connector builds it: no retries, no limiter (API-NOTES §1.10). */
const officialClient = (basePath: string) =>
  new Client({ accessToken: SANDBOX_PRIVATE_APP_TOKEN, basePath, numberOfApiCallRetries: 0 });

/** A UUID, the documented type of `correlationId` (API-NOTES §1.2 "Error body"). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

beforeAll(async () => {
  running = await serve((url) => createHubspotSandbox({ seed: 3, contacts: 30, publicUrl: url }));
  client = officialClient(running.url);
  searchClient = new Client({
    accessToken: SANDBOX_PRIVATE_APP_TOKEN,
    basePath: running.url,
    numberOfApiCallRetries: 0,
    limiterOptions: SEARCH_LIMITER_OPTIONS,
  });
});
afterAll(async () => {
  await running.close();
});

describe('when the official client searches contacts', () => {
  it('should page by `after` with the documented envelope, sorted as asked', async () => {
    const first = await searchClient.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY' as never }] }],
      sorts: ['hs_object_id'],
      properties: ['email', 'lastmodifieddate'],
      limit: 10,
      after: '0',
    });
    expect(first.total).toBeGreaterThan(10);
    expect(first.results).toHaveLength(10);
    const c = first.results[0]!;
    expect(typeof c.id).toBe('string');
    expect(c.properties).toHaveProperty('email');
    expect(c.createdAt).toBeInstanceOf(Date);
    expect(c.updatedAt).toBeInstanceOf(Date);
    expect(first.paging?.next?.after).toBe('10');
    const ids = first.results.map((r) => Number(r.id));
    expect(ids).toStrictEqual([...ids].sort((a, b) => a - b));
  });

  it('should refuse a page larger than the documented 200', async () => {
    await expect(
      searchClient.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        properties: ['email'],
        limit: 201,
        after: '0',
      }),
    ).rejects.toMatchObject({ code: 400 });
  });
});

describe('when the official client reads and updates contacts in batches', () => {
  it('should answer with `status: COMPLETE` and one result per input, and keep the update', async () => {
    const page = await searchClient.crm.contacts.searchApi.doSearch({
      filterGroups: [],
      limit: 2,
      after: '0',
    });
    const ids = page.results.map((r) => r.id);
    const read = await client.crm.contacts.batchApi.read({
      inputs: ids.map((id) => ({ id })),
      properties: ['email', 'lifecyclestage'],
      propertiesWithHistory: [],
    });
    expect(read.status).toBe('COMPLETE');
    expect(read.results.map((r) => r.id).sort()).toStrictEqual([...ids].sort());

    const updated = await client.crm.contacts.batchApi.update({
      inputs: ids.map((id) => ({ id, properties: { lifecyclestage: 'lead' } })),
    });
    expect(updated.status).toBe('COMPLETE');
    expect(updated.results.map((r) => r.properties.lifecyclestage)).toStrictEqual(['lead', 'lead']);
  });
});

describe('when the official client reads contact properties', () => {
  it('should describe lifecyclestage as an enumeration with HubSpot’s default stages', async () => {
    const stage = await client.crm.properties.coreApi.getByName('contacts', 'lifecyclestage');
    expect(stage).toMatchObject({ name: 'lifecyclestage', type: 'enumeration', fieldType: 'radio' });
    // HubSpot's default lifecycle stages, in order (knowledge base: "Use lifecycle stages"); a portal
    // may add its own between them, with numeric internal values (the sandbox has one).
    const defaults = [
      'subscriber',
      'lead',
      'marketingqualifiedlead',
      'salesqualifiedlead',
      'opportunity',
      'customer',
      'evangelist',
    ];
    const values = stage.options.map((o) => o.value);
    expect(values.filter((v) => defaults.includes(v))).toStrictEqual(defaults);
    expect(values.filter((v) => !defaults.includes(v)).every((v) => /^\d+$/.test(v) || v === 'other')).toBe(
      true,
    );
    const all = await client.crm.properties.coreApi.getAll('contacts');
    expect(all.results.map((p) => p.name)).toEqual(expect.arrayContaining(['email', 'lifecyclestage']));
  });
});

describe('when the official client pages a filtered search with `after`', () => {
  it('should continue where the previous page stopped and end without `paging` on the last page', async () => {
    const request = {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY' as never }] }],
      sorts: ['hs_object_id'],
      properties: ['email'],
      limit: 7,
    };
    const first = await searchClient.crm.contacts.searchApi.doSearch({ ...request, after: '0' });
    const seen = first.results.map((r) => r.id);
    let after = first.paging?.next?.after;
    while (after !== undefined) {
      const page = await searchClient.crm.contacts.searchApi.doSearch({ ...request, after });
      seen.push(...page.results.map((r) => r.id));
      after = page.paging?.next?.after;
    }
    // Every match once, in the order asked for, and as many as `total` said.
    expect(seen).toHaveLength(first.total);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.map(Number)).toStrictEqual([...seen.map(Number)].sort((a, b) => a - b));
  });

  it('should narrow by an EQ filter to the one contact with that email', async () => {
    const some = await searchClient.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY' as never }] }],
      properties: ['email'],
      limit: 1,
      after: '0',
    });
    const { id, properties } = some.results[0]!;
    const found = await searchClient.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: 'EQ' as never, value: properties.email! }] },
      ],
      properties: ['email'],
      limit: 10,
      after: '0',
    });
    expect(found.total).toBe(1);
    expect(found.results.map((r) => r.id)).toStrictEqual([id]);
    expect(found.paging).toBeUndefined();
  });
});

describe('when the official client creates a contact property', () => {
  it('should answer the created property and read it back by name', async () => {
    // API-NOTES §1.5: PropertyCreate requires name, label, type, fieldType, groupName.
    const created = await client.crm.properties.coreApi.create('contacts', {
      name: 'leadstage_score_fit',
      label: 'Leadstage fit score',
      type: 'number' as never,
      fieldType: 'number' as never,
      groupName: 'contactinformation',
      description: 'Fit score from leadstage',
    });
    expect(created).toMatchObject({
      name: 'leadstage_score_fit',
      label: 'Leadstage fit score',
      type: 'number',
      fieldType: 'number',
      groupName: 'contactinformation',
    });
    const read = await client.crm.properties.coreApi.getByName('contacts', 'leadstage_score_fit');
    expect(read).toMatchObject({ name: 'leadstage_score_fit', type: 'number', fieldType: 'number' });
  });
});

describe('when a call fails', () => {
  it('should answer HubSpot’s error body: status "error", a category, a UUID correlationId and a message', async () => {
    // Through the client's typed API: an ApiException with the HTTP code and the Error model.
    const missing = client.crm.properties.coreApi.getByName('contacts', 'no_such_property');
    await expect(missing).rejects.toMatchObject({
      code: 404,
      body: { category: 'OBJECT_NOT_FOUND', correlationId: expect.stringMatching(UUID) },
    });
    // The raw body (the Error model drops `status`), through the client's own `apiRequest`.
    const raw = await client.apiRequest({
      method: 'GET',
      path: '/crm/v3/properties/contacts/no_such_property',
    });
    expect(raw.status).toBe(404);
    const body = (await raw.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    expect(body.correlationId).toMatch(UUID);
    expect(typeof body.message).toBe('string');

    // A call without a valid token: 401, category INVALID_AUTHENTICATION.
    const stranger = new Client({
      accessToken: 'not-a-token',
      basePath: running.url,
      numberOfApiCallRetries: 0,
    });
    await expect(stranger.crm.properties.coreApi.getAll('contacts')).rejects.toMatchObject({
      code: 401,
      body: { category: 'INVALID_AUTHENTICATION', correlationId: expect.stringMatching(UUID) },
    });
  });
});

describe('when the rate limits are spent', () => {
  let limited: Running;
  const start = async (limits: Partial<HubspotSandboxLimits>) => {
    limited = await serve((url) => createHubspotSandbox({ seed: 3, contacts: 5, publicUrl: url, limits }));
    return officialClient(limited.url);
  };
  afterEach(async () => {
    await limited?.close();
  });

  it('should answer the ten-second budget’s 429 with the documented headers and body', async () => {
    // A private app: HubSpot sends the daily headers too (API-NOTES §1.7).
    const c = await start({ privateAppMax: 2 });
    const ok = await c.apiRequest({ method: 'GET', path: '/crm/v3/properties/contacts' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('2');
    expect(ok.headers.get('x-hubspot-ratelimit-remaining')).toBe('1');
    await c.crm.properties.coreApi.getAll('contacts');
    const over = c.crm.properties.coreApi.getAll('contacts');
    await expect(over).rejects.toMatchObject({ code: 429 });
    const raw = await c.apiRequest({ method: 'GET', path: '/crm/v3/properties/contacts' });
    expect(raw.status).toBe(429);
    const rateHeaders = Object.fromEntries(
      [...raw.headers.entries()].filter(([h]) => h.startsWith('x-hubspot-ratelimit')),
    );
    expect(rateHeaders).toStrictEqual({
      'x-hubspot-ratelimit-max': '2',
      'x-hubspot-ratelimit-remaining': '0',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-daily': expect.stringMatching(/^\d+$/),
      'x-hubspot-ratelimit-daily-remaining': expect.stringMatching(/^\d+$/),
    });
    const body = (await raw.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(body.correlationId).toMatch(UUID);
    expect(typeof body.requestId).toBe('string');
    expect(typeof body.message).toBe('string');
  });

  it('should answer a search over its per-second limit with 429, the secondly message and no rate headers', async () => {
    const c = await start({ searchPerSecond: 1 });
    const search = () =>
      c.apiRequest({
        method: 'POST',
        path: '/crm/v3/objects/contacts/search',
        body: { filterGroups: [], properties: ['email'], limit: 1, after: '0' },
      });
    // Both in the same second: one passes, one is refused.
    const answers = await Promise.all([search(), search()]);
    expect(answers.map((a) => a.status).sort()).toStrictEqual([200, 429]);
    const refused = answers.find((a) => a.status === 429)!;
    // "Responses from the search API endpoints will not include any of the rate limit headers";
    // the SDK recognises this 429 by its message (API-NOTES §1.3).
    expect([...refused.headers.keys()].filter((h) => h.startsWith('x-hubspot-ratelimit'))).toStrictEqual([]);
    expect(await refused.json()).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      message: 'You have reached your secondly limit.',
    });
  });
});
