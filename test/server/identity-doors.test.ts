/**
 * The JSON API doors of identity and privacy: erasure (`POST /api/workspaces/:id/contacts/erase`)
 * against a workspace synced to the HubSpot and Salesforce sandboxes, and the identity settings
 * (`GET|PATCH /api/workspaces/:id/settings`) that decide what an erasure does in Salesforce.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { dumpDatabase } from '../helpers/dump.ts';
import { addWorkspace, makeSalesReady } from '../e2e/helpers.ts';

import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const EXT = 'Leadstage_External_Id__c';
const EMAIL = 'erase.me@northwind.example';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

/** A workspace on the sandboxes whose first contact was handed off as a Lead with EMAIL. */
async function syncedPerson() {
  const { workspaceId, sync } = await addWorkspace(h.ctx.store, h.sandbox, h.ctx.registry, 'portal-1');
  const [contactId] = [...h.sandbox.hubspot.portal.contacts.keys()];
  makeSalesReady(h.sandbox, contactId!, EMAIL);
  await sync();
  const lead = h.sandbox.salesforce.records('Lead').find((l) => l[EXT] === `hubspot:portal-1:${contactId}`);
  if (!lead) throw new Error('the sales-ready contact was not handed off');
  expect(lead.Email).toBe(EMAIL);
  expect(await dumpDatabase(h.ctx.store)).toContain(EMAIL);
  return { workspaceId, contactId: contactId!, leadId: String(lead.Id), sync };
}

interface ErasureBody {
  erasure: {
    by: string;
    contacts: number;
    suppressed: number;
    crm: { pending: boolean; outcomes: { object: string; crmId: string; action: string }[] };
  };
}

describe('POST /api/workspaces/:id/contacts/erase', () => {
  it('erases by email: nothing of the person left in the store, the Lead deleted, suppressed, audited', async () => {
    const { workspaceId, contactId, leadId, sync } = await syncedPerson();

    // Another case than HubSpot's: emails compare without case.
    const res = await h.admin(
      `/api/workspaces/${workspaceId}/contacts/erase`,
      json('POST', { email: 'Erase.Me@Northwind.EXAMPLE' }),
    );
    expect(res.status).toBe(200);
    const { erasure } = (await res.json()) as ErasureBody;
    expect(erasure.by).toBe('email');
    expect(erasure.contacts).toBe(1);
    // One email digest and one source-id digest.
    expect(erasure.suppressed).toBe(2);
    expect(erasure.crm).toEqual({
      pending: false,
      outcomes: [
        { externalId: `hubspot:portal-1:${contactId}`, object: 'Lead', crmId: leadId, action: 'deleted' },
      ],
    });

    const dump = await dumpDatabase(h.ctx.store);
    expect(dump.toLowerCase()).not.toContain(EMAIL);
    expect(h.sandbox.salesforce.records('Lead').find((l) => l.Id === leadId)).toBeUndefined();
    const { suppressions, audit } = h.ctx.store;
    expect(await suppressions.count(workspaceId)).toBe(2);
    // Suppressed by email alone (a new id for the same person) and by id alone.
    expect(await suppressions.suppressedIds(workspaceId, [{ id: 'new-id', email: EMAIL }])).toEqual(
      new Set(['new-id']),
    );
    expect(await suppressions.suppressedIds(workspaceId, [{ id: contactId }])).toEqual(new Set([contactId]));
    const entries = await audit.list(workspaceId);
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['api', 'contact.erase'],
      ['api', 'contact.erase.crm'],
    ]);
    expect(entries[1]!.details).toMatchObject({ policy: 'delete_lead', deleted: 1, kept: [] });
    expect(JSON.stringify(entries).toLowerCase()).not.toContain(EMAIL);

    // The person is still in HubSpot: the next full sync brings them back nowhere.
    await sync({ full: true });
    expect((await dumpDatabase(h.ctx.store)).toLowerCase()).not.toContain(EMAIL);
    expect(h.sandbox.salesforce.records('Lead').filter((l) => l.Email === EMAIL)).toEqual([]);
  });

  it('with the report_only policy set through the settings API, keeps the Lead and reports it', async () => {
    const { workspaceId, contactId, leadId } = await syncedPerson();
    const set = await h.admin(
      `/api/workspaces/${workspaceId}/settings`,
      json('PATCH', { identity: { crmErasure: 'report_only' } }),
    );
    expect(set.status).toBe(200);

    const res = await h.admin(
      `/api/workspaces/${workspaceId}/contacts/erase`,
      json('POST', { id: contactId }),
    );
    const { erasure } = (await res.json()) as ErasureBody;
    expect(erasure.by).toBe('id');
    expect(erasure.crm.outcomes).toEqual([
      expect.objectContaining({ object: 'Lead', crmId: leadId, action: 'kept' }),
    ]);
    expect(h.sandbox.salesforce.records('Lead').find((l) => l.Id === leadId)?.Email).toBe(EMAIL);
    expect((await dumpDatabase(h.ctx.store)).toLowerCase()).not.toContain(EMAIL);
    const crmEntry = (await h.ctx.store.audit.list(workspaceId)).find(
      (e) => e.action === 'contact.erase.crm',
    );
    expect(crmEntry?.details).toMatchObject({
      policy: 'report_only',
      deleted: 0,
      kept: [expect.objectContaining({ object: 'Lead', id: leadId })],
    });
  });

  it('refuses a body naming both or neither, and an unknown workspace', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const both = await h.admin(
      `/api/workspaces/${ws.id}/contacts/erase`,
      json('POST', { email: EMAIL, id: '1' }),
    );
    expect(both.status).toBe(400);
    expect(((await both.json()) as { error: { message: string } }).error.message).toContain(
      'give exactly one of email or id',
    );
    expect((await h.admin(`/api/workspaces/${ws.id}/contacts/erase`, json('POST', {}))).status).toBe(400);
    expect((await h.admin(`/api/workspaces/nope/contacts/erase`, json('POST', { id: '1' }))).status).toBe(
      404,
    );
    expect(await h.ctx.store.audit.list(ws.id)).toEqual([]);
  });
});

describe('GET and PATCH /api/workspaces/:id/settings', () => {
  it('answers the defaults, changes only what the body names, and audits real changes', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    // A setting of another kind must survive a change of identity settings.
    await h.ctx.store.workspaces.update(ws.id, { settings: { handoff: { owner: 'queue' } } });

    const read = await h.admin(`/api/workspaces/acme/settings`);
    expect(await read.json()).toMatchObject({ settings: { match: 'email', crmErasure: 'delete_lead' } });

    const first = await h.admin(
      `/api/workspaces/acme/settings`,
      json('PATCH', { identity: { match: 'none' } }),
    );
    expect(await first.json()).toMatchObject({
      settings: { match: 'none', crmErasure: 'delete_lead' },
      changed: ['identity.match'],
    });
    const again = await h.admin(
      `/api/workspaces/acme/settings`,
      json('PATCH', { identity: { match: 'none' } }),
    );
    expect(((await again.json()) as { changed: string[] }).changed).toEqual([]);

    const saved = await h.ctx.store.workspaces.require(ws.id);
    expect(saved.settings).toEqual({ handoff: { owner: 'queue' }, identity: { match: 'none' } });
    const entries = await h.ctx.store.audit.list(ws.id);
    expect(entries.map((e) => [e.actor, e.action, e.details])).toEqual([
      ['api', 'workspace.settings', { changed: { 'identity.match': { from: 'email', to: 'none' } } }],
    ]);
  });

  it('refuses a value outside the choices or an unknown setting, naming the field, and saves nothing', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const bad = await h.admin(
      `/api/workspaces/acme/settings`,
      json('PATCH', { identity: { match: 'fuzzy', crmErasure: 'report_only' } }),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 'validation_error',
        message: 'identity.match: must be one of email, none (got "fuzzy")',
      },
    });
    const unknown = await h.admin(
      `/api/workspaces/acme/settings`,
      json('PATCH', { identity: { matching: 'email' } }),
    );
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      'identity: unknown setting matching',
    );
    expect((await h.ctx.store.workspaces.require(ws.id)).settings).toEqual({});
    expect((await h.admin(`/api/workspaces/nope/settings`, json('PATCH', {}))).status).toBe(404);
  });
});
