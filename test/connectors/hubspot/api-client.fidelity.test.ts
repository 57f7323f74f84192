/**
 * The HubSpot sandbox driven by the official `@hubspot/api-client`, unchanged, through the calls the
 * connector makes (search, batch read and update, properties), each checked against the shape
 * HubSpot documents, not against what the connector expects. The connector makes no associations
 * call, so none is checked here.
 * @see https://developers.hubspot.com/docs/api/crm/search (limit ≤ 200, `paging.next.after`, `total`)
 * @see https://developers.hubspot.com/docs/api/crm/contacts (batch read/update: `{status, results}`)
 * @see https://developers.hubspot.com/docs/api/crm/properties (a property: name, label, type, fieldType, options)
 */
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHubspotSandbox, SANDBOX_PRIVATE_APP_TOKEN } from '../../../connectors/hubspot/index.ts';
import { serve } from './helpers.ts';

let running: Awaited<ReturnType<typeof serve<ReturnType<typeof createHubspotSandbox>>>>;
let client: Client;

beforeAll(async () => {
  running = await serve((url) => createHubspotSandbox({ seed: 3, contacts: 30, publicUrl: url }));
  client = new Client({
    accessToken: SANDBOX_PRIVATE_APP_TOKEN,
    basePath: running.url,
    numberOfApiCallRetries: 0,
  });
});
afterAll(async () => {
  await running.close();
});

describe('when the official client searches contacts', () => {
  it('should page by `after` with the documented envelope, sorted as asked', async () => {
    const first = await client.crm.contacts.searchApi.doSearch({
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
      client.crm.contacts.searchApi.doSearch({
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
    const page = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 2, after: '0' });
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
