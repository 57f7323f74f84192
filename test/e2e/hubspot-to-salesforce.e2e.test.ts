/**
 * HubSpot sandbox → qualification → Salesforce sandbox → back, over real HTTP with the real
 * pipeline and the real PostgreSQL store: what a RevOps admin relies on when a sync runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApiLimitExceededError } from '../../src/errors.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { callsSince, losingHandoffAnswers, startWorld, wrapHandoff, type E2eWorld } from './helpers.ts';

const EXT = 'Leadstage_External_Id__c';

let t: TestStore;
let world: E2eWorld | undefined;

beforeEach(async () => {
  t = await openTestStore('postgres');
});

afterEach(async () => {
  await world?.sandbox.close();
  world = undefined;
  await t.cleanup();
});

function handedOffLeads(w: E2eWorld) {
  return w.sandbox.salesforce.records('Lead').filter((l) => l[EXT]);
}

function lifecycleCounts(w: E2eWorld): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of w.sandbox.hubspot.portal.contacts.values()) {
    const stage = c.properties.lifecyclestage ?? '';
    counts[stage] = (counts[stage] ?? 0) + 1;
  }
  return counts;
}

/** One live record per external id: a converted Lead lives on as its Contact, which may carry the id too. */
function expectNoDuplicates(w: E2eWorld): void {
  const live = [
    ...handedOffLeads(w).filter((l) => !l.IsConverted),
    ...w.sandbox.salesforce.records('Contact').filter((c) => c[EXT]),
  ];
  const ids = live.map((r) => String(r[EXT]));
  expect(new Set(ids).size).toBe(ids.length);
}

describe('a HubSpot workspace handing off to Salesforce', () => {
  it('hands SQLs over once, writes stages and scores back, and a rerun with no change writes nothing', async () => {
    world = await startWorld(t.store, 400);
    const first = await world.sync();
    expect(first.pulled.contacts).toBe(400);
    expect(first.handedOff).toBeGreaterThan(0);
    expect(first.crmCreated).toBe(first.handedOff);
    expect(handedOffLeads(world)).toHaveLength(first.handedOff);
    expect(lifecycleCounts(world).salesqualifiedlead).toBe(first.handedOff);
    const lead = handedOffLeads(world)[0]!;
    expect(String(lead[EXT])).toMatch(/^hubspot:sandbox:\d+$/);
    expect(lead.Leadstage_Reason__c).toMatch(/^Sales Qualified Lead: /);
    // Within 10% of what the page and batch sizes allow, and never below it (it is a lower bound).
    expect(first.apiCalls.hubspot).toBeLessThanOrEqual(Math.ceil(first.minimumApiCalls.hubspot! * 1.1));
    expect(first.apiCalls.hubspot).toBeGreaterThanOrEqual(first.minimumApiCalls.hubspot!);
    expect(first.apiCalls.salesforce).toBeGreaterThanOrEqual(first.minimumApiCalls.salesforce!);

    const before = world.sandbox.hubspot.stats().calls;
    const sfBefore = world.sandbox.salesforce.stats().calls;
    const second = await world.sync();
    const third = await world.sync();
    const hubspotCalls = callsSince(before, world.sandbox.hubspot.stats().calls);
    const sfCalls = callsSince(sfBefore, world.sandbox.salesforce.stats().calls);
    expect([second.writtenBack, second.handedOff, third.writtenBack, third.handedOff]).toEqual([0, 0, 0, 0]);
    expect(Object.keys(hubspotCalls).filter((k) => k.includes('batch/update'))).toEqual([]);
    expect(Object.keys(sfCalls).filter((k) => k.startsWith('PATCH') || k.includes('jobs/ingest'))).toEqual(
      [],
    );
    expectNoDuplicates(world);
  });

  it('follows what sales did: a converted and won lead becomes a customer, later handoffs go to its Contact', async () => {
    world = await startWorld(t.store, 400);
    await world.sync();
    const lead = handedOffLeads(world)[0]!;
    const externalId = String(lead[EXT]);
    const contactId = externalId.split(':')[2]!;
    const { contactId: sfContactId, opportunityId } = world.sandbox.salesforce.sales.convertLead(externalId, {
      amount: 24000,
    });
    world.sandbox.salesforce.sales.winOpportunity(opportunityId!);

    const back = await world.sync();
    expect(back.pulled.salesOutcomes).toBeGreaterThan(0);
    expect(back.stageChanges.customer).toBe(1);
    expect(world.sandbox.hubspot.portal.contacts.get(contactId)!.properties.lifecyclestage).toBe('customer');
    expect((await t.store.decisions.get(world.workspaceId, contactId))!.stage).toBe('customer');

    // A later change re-sends the record: it lands on the converted Contact, never a new Lead.
    world.sandbox.hubspot.updateContact(contactId, { jobtitle: 'VP Marketing' });
    const leadsBefore = handedOffLeads(world).length;
    const later = await world.sync();
    expect(later.errors).toEqual([]);
    expect(handedOffLeads(world)).toHaveLength(leadsBefore);
    const sfContact = world.sandbox.salesforce.records('Contact').find((c) => c.Id === sfContactId)!;
    expect(sfContact.Leadstage_Stage__c).toBe('Customer');
    expectNoDuplicates(world);
  });

  it('records a record Salesforce refuses without failing the run, and retries it on the next run', async () => {
    world = await startWorld(t.store, 400);
    const sf = world.sandbox.salesforce;
    let rejected = '';
    world.registry.register(
      wrapHandoff(world.registry.crmConnector('salesforce'), (records, handoff) => {
        // A validation rule in the org refuses the first record Salesforce is sent.
        if (!rejected && records[0]) {
          rejected = records[0].externalId;
          sf.faults.rejectExternalId(rejected, {
            statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
            message: 'Company is required for leads from events',
            fields: ['Company'],
          });
        }
        return handoff(records);
      }),
    );
    const first = await world.sync();
    expect(first.errors).toEqual([
      expect.objectContaining({
        step: 'handoff',
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        retryCount: 1,
        quarantined: false,
      }),
    ]);
    expect(first.handedOff).toBe(handedOffLeads(world).length);
    expect(handedOffLeads(world).map((l) => l[EXT])).not.toContain(rejected);

    sf.faults.clearRejections();
    const second = await world.sync();
    expect(second.errors).toEqual([]);
    expect(handedOffLeads(world).map((l) => l[EXT])).toContain(rejected);
    expectNoDuplicates(world);
  });

  it('creates no duplicate when a crash loses Salesforce answers mid-handoff', async () => {
    world = await startWorld(t.store, 400);
    const lossy = losingHandoffAnswers(world.registry, 1);
    await expect(world.sync({ registry: lossy })).rejects.toThrow(/socket hang up/);
    const leadsAfterCrash = handedOffLeads(world).length;
    expect(leadsAfterCrash).toBeGreaterThan(0);

    const rerun = await world.sync();
    expect(rerun.errors).toEqual([]);
    expectNoDuplicates(world);
    const sqls = lifecycleCounts(world).salesqualifiedlead ?? 0;
    expect(handedOffLeads(world)).toHaveLength(sqls);
    expect((await t.store.links.list(world.workspaceId)).length).toBe(sqls);
  });

  it('refreshes tokens that expire in the middle of a run, and keeps the new ones', async () => {
    world = await startWorld(t.store, 400);
    const w = world;
    const ws = await t.store.workspaces.require(w.workspaceId);
    const before = await t.store.connections.readCredentials(ws.sourceConnectionId!);
    const summary = await w.sync({
      checkpoint: (after) => {
        if (after === 'pull_contacts') {
          w.sandbox.hubspot.expireAccessTokens();
          w.sandbox.salesforce.oauth.expireAccessTokens();
        }
      },
    });
    expect(summary.errors).toEqual([]);
    expect(summary.handedOff).toBeGreaterThan(0);
    const after = await t.store.connections.readCredentials(ws.sourceConnectionId!);
    expect(
      after.kind === 'oauth2' && before.kind === 'oauth2' && after.accessToken !== before.accessToken,
    ).toBe(true);
    expect(
      w.sandbox.hubspot.stats().calls['POST /oauth/v1/token'] ??
        w.sandbox.hubspot.stats().calls['POST /oauth/v3/token'],
    ).toBeGreaterThan(0);
  });

  it('stops cleanly when the Salesforce API budget runs out mid-run, and finishes the next run without duplicates', async () => {
    world = await startWorld(t.store, 400);
    const w = world;
    const run = w.sync({
      checkpoint: (after) => {
        // The org's daily API requests run out while the run is under way: Salesforce answers 403.
        // (After the pulls: the qualification, write-back and handoff that follow overlap.)
        if (after === 'pull_engagement') w.sandbox.salesforce.faults.setApiUsage(100_000, 100_000);
      },
    });
    await expect(run).rejects.toBeInstanceOf(ApiLimitExceededError);
    expect(handedOffLeads(w)).toHaveLength(0);
    const [failed] = await t.store.runs.list(w.workspaceId, 1);
    expect(failed!.status).toBe('failed');

    w.sandbox.salesforce.faults.setApiUsage(1_000, 100_000);
    const resumed = await w.sync();
    expect(resumed.handedOff).toBeGreaterThan(0);
    expect(handedOffLeads(w)).toHaveLength(lifecycleCounts(w).salesqualifiedlead ?? 0);
    expectNoDuplicates(w);
  });

  it('rides out a burst of 429s from HubSpot without losing a contact', async () => {
    world = await startWorld(t.store, 400);
    world.sandbox.hubspot.failNext('POST /crm/v3/objects/contacts/search', 429, 3);
    const summary = await world.sync();
    expect(summary.pulled.contacts).toBe(400);
    expect(await t.store.contacts.count(world.workspaceId)).toBe(400);
    expect(
      world.sandbox.hubspot.stats().calls['POST /crm/v3/objects/contacts/search'],
    ).toBeGreaterThanOrEqual(3 + 2);
  });
});

describe("a HubSpot portal past the search API's 10,000-result cap", () => {
  it('pulls every one of 12,000 contacts within 10% of the minimum calls', async () => {
    world = await startWorld(t.store, 12_000);
    const ws = await t.store.workspaces.require(world.workspaceId);
    // Engagement is not what this test is about: one day of it keeps the run short.
    await t.store.connections.update(ws.sourceConnectionId!, { config: { initialEngagementDays: 1 } });
    const summary = await world.sync();
    expect(summary.pulled.contacts).toBe(12_000);
    expect(await t.store.contacts.count(world.workspaceId)).toBe(12_000);
    expect(summary.apiCalls.hubspot).toBeLessThanOrEqual(Math.ceil(summary.minimumApiCalls.hubspot! * 1.1));
  });
});
