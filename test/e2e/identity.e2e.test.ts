/**
 * One record per person, through the sandboxes over real HTTP with the real pipeline and the real
 * PostgreSQL store: two portals in one org, a Lead a rep entered, a HubSpot merge, an erasure
 * (checked against a dump of every table) and old-format external ids re-keyed in place.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApiCallTally } from '../../src/pipeline/api-calls.ts';
import { openConnectors } from '../../src/pipeline/connectors.ts';
import { eraseContact } from '../../src/pipeline/erasure.ts';
import { updateWorkspaceSettings } from '../../src/pipeline/workspace-settings.ts';
import { silentLogger } from '../../src/log.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { dumpDatabase } from '../helpers/dump.ts';
import { addWorkspace, makeSalesReady, startWorld, type E2eWorld } from './helpers.ts';

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

function leads(w: E2eWorld) {
  return w.sandbox.salesforce.records('Lead');
}

function contactIdOf(externalId: string): string {
  return externalId.split(':').at(-1)!;
}

describe('two HubSpot portals handing off to one Salesforce org', () => {
  it("hand off their own records and never touch the other portal's", async () => {
    world = await startWorld(t.store, 400);
    const b = await addWorkspace(t.store, world.sandbox, world.registry, 'portal-b');
    const a = await world.sync();
    expect(a.handedOff).toBeGreaterThan(0);
    const before = new Map(leads(world).map((l) => [String(l.Id), String(l.LastModifiedDate)]));

    // Same contact ids and emails in the second portal: what collided with `hubspot:<id>`.
    const second = await b.sync();
    expect(second.handedOff).toBe(a.handedOff);
    expect(second.crmCreated).toBe(second.handedOff);
    const ofA = leads(world).filter((l) => String(l[EXT]).startsWith('hubspot:sandbox:'));
    const ofB = leads(world).filter((l) => String(l[EXT]).startsWith('hubspot:portal-b:'));
    expect(ofA).toHaveLength(a.handedOff);
    expect(ofB).toHaveLength(second.handedOff);
    for (const l of ofA) expect(String(l.LastModifiedDate)).toBe(before.get(String(l.Id)));
  });
});

describe('a Lead a rep already entered', () => {
  it('is linked on first handoff instead of duplicated; several with one email are an error naming them', async () => {
    world = await startWorld(t.store, 400);
    const sf = world.sandbox.salesforce;
    const entered = new Map<string, string[]>();
    for (const c of world.sandbox.hubspot.portal.contacts.values()) {
      const email = c.properties.email;
      if (!email) continue;
      // Odd ids were entered twice; case differs from HubSpot's (Salesforce compares emails without case).
      const times = Number(c.id) % 2 === 1 ? 2 : 1;
      const ids = [];
      for (let i = 0; i < times; i++) {
        ids.push(
          sf.enterRecord('Lead', { LastName: `Rep ${i}`, Company: 'Entered', Email: email.toUpperCase() }),
        );
      }
      entered.set(c.id, ids);
    }
    const enteredCount = leads(world).length;

    const first = await world.sync();
    expect(first.crmCreated).toBe(0);
    expect(leads(world)).toHaveLength(enteredCount);
    const linked = leads(world).filter((l) => l[EXT]);
    expect(linked.length).toBe(first.handedOff);
    expect(linked.length).toBeGreaterThan(0);
    for (const l of linked) {
      const contactId = contactIdOf(String(l[EXT]));
      expect(Number(contactId) % 2).toBe(0);
      expect(entered.get(contactId)).toEqual([String(l.Id)]);
      expect(String(l.Leadstage_Stage__c ?? l.Leadstage_Reason__c ?? '')).not.toBe('');
    }
    const ambiguous = first.errors.filter((e) => e.code === 'MULTIPLE_MATCHES');
    expect(ambiguous.length).toBeGreaterThan(0);
    for (const e of ambiguous) {
      expect(Number(e.recordId) % 2).toBe(1);
      for (const id of entered.get(e.recordId)!) expect(e.message).toContain(`Lead ${id}`);
    }
    // A rerun links nothing twice and still creates nothing.
    const again = await world.sync();
    expect(again.crmCreated).toBe(0);
    expect(leads(world)).toHaveLength(enteredCount);
  });
});

describe('matching settings end to end', () => {
  const EMAIL = 'rep.entered@northwind.example';

  /** A 20-contact world whose first HubSpot contact becomes a Sales Qualified Lead with EMAIL. */
  async function salesReadyWorld() {
    world = await startWorld(t.store, 20);
    const [contactId] = [...world.sandbox.hubspot.portal.contacts.keys()];
    makeSalesReady(world.sandbox, contactId!, EMAIL);
    return contactId!;
  }

  it('with match: none, leaves a rep-entered Lead with the same email alone and creates a new Lead', async () => {
    const contactId = await salesReadyWorld();
    const sf = world!.sandbox.salesforce;
    const repLead = sf.enterRecord('Lead', { LastName: 'Rep', Company: 'Entered', Email: EMAIL });
    const entered = leads(world!).find((l) => l.Id === repLead)!;
    const ws = await t.store.workspaces.require(world!.workspaceId);
    await updateWorkspaceSettings(t.store, ws, { identity: { match: 'none' } }, 'test');

    const run = await world!.sync();
    expect(run.errors).toEqual([]);
    const mine = leads(world!).filter((l) => l[EXT] === `hubspot:sandbox:${contactId}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.Id).not.toBe(repLead);
    expect(mine[0]!.Email).toBe(EMAIL);
    // The rep's Lead is untouched: no external id, no stage, not modified.
    expect(leads(world!).find((l) => l.Id === repLead)).toEqual(entered);
    expect((await t.store.links.get(ws.id, contactId))?.crmId).toBe(String(mine[0]!.Id));
    expect(leads(world!).filter((l) => l.Email === EMAIL)).toHaveLength(2);
  });

  it('by default, follows a Salesforce Contact with the email instead of creating a Lead', async () => {
    const contactId = await salesReadyWorld();
    const sf = world!.sandbox.salesforce;
    const contact = sf.enterRecord('Contact', { LastName: 'Customer', Email: EMAIL.toUpperCase() });
    const contactsBefore = sf.records('Contact').length;

    const run = await world!.sync();
    expect(run.errors).toEqual([]);
    expect(leads(world!).filter((l) => String(l.Email ?? '').toLowerCase() === EMAIL)).toEqual([]);
    expect(sf.records('Contact')).toHaveLength(contactsBefore);
    const followed = sf.records('Contact').find((c) => c.Id === contact)!;
    expect(followed[EXT]).toBe(`hubspot:sandbox:${contactId}`);
    expect(followed.Leadstage_Stage__c).toBe('Sales Qualified Lead');
    const link = await t.store.links.get(world!.workspaceId, contactId);
    expect(link?.convertedContactId).toBe(contact);

    // A later change reaches the same Contact; still no Lead.
    world!.sandbox.hubspot.updateContact(contactId, { jobtitle: 'VP Marketing' });
    const later = await world!.sync();
    expect(later.crmCreated).toBe(0);
    expect(leads(world!).filter((l) => String(l.Email ?? '').toLowerCase() === EMAIL)).toEqual([]);
    expect(sf.records('Contact')).toHaveLength(contactsBefore);
  });
});

describe('a contact merged in HubSpot', () => {
  it('keeps one Salesforce record: the survivor takes over the link, the merged-away id is gone', async () => {
    world = await startWorld(t.store, 400);
    await world.sync();
    const handed = leads(world).filter((l) => l[EXT]);
    const mergedAway = contactIdOf(String(handed[0]![EXT]));
    const links = await t.store.links.list(world.workspaceId);
    const linked = new Set(links.map((l) => l.contactId));
    const survivor = [...world.sandbox.hubspot.portal.contacts.keys()].find((id) => !linked.has(id))!;
    world.sandbox.hubspot.portal.merge(survivor, mergedAway);

    const after = await world.sync();
    expect(after.crmCreated).toBe(0);
    expect(leads(world).filter((l) => l[EXT])).toHaveLength(handed.length);
    expect(await t.store.contacts.get(world.workspaceId, mergedAway)).toBeNull();
    const link = await t.store.links.get(world.workspaceId, survivor);
    expect(link?.externalId).toBe(String(handed[0]![EXT]));
    expect(await t.store.links.get(world.workspaceId, mergedAway)).toBeNull();
    // A full sync neither brings the merged-away id back nor creates a record for it.
    const full = await world.sync({ full: true });
    expect(full.crmCreated).toBe(0);
    expect(await t.store.contacts.get(world.workspaceId, mergedAway)).toBeNull();
  });
});

describe('an erased contact', () => {
  it('leaves no personal data in the store, is removed from Salesforce by policy and never comes back', async () => {
    world = await startWorld(t.store, 400);
    await world.sync();
    const lead = leads(world).find((l) => l[EXT] && l.Email)!;
    const contactId = contactIdOf(String(lead[EXT]));
    const email = world.sandbox.hubspot.portal.contacts.get(contactId)!.properties.email!;
    expect(await dumpDatabase(t.store)).toContain(email.toLowerCase());

    const ws = await t.store.workspaces.require(world.workspaceId);
    const { crm } = await openConnectors(
      { store: t.store, registry: world.registry, log: silentLogger, calls: new ApiCallTally() },
      ws,
    );
    const report = await eraseContact(
      { store: t.store, log: silentLogger, crm },
      ws,
      { email: email.toUpperCase() },
      'cli:test',
    );
    expect(report.contacts).toBe(1);
    expect(report.crm.pending).toBe(false);
    expect(report.crm.outcomes).toEqual([
      { externalId: String(lead[EXT]), object: 'Lead', crmId: String(lead.Id), action: 'deleted' },
    ]);

    const dump = await dumpDatabase(t.store);
    expect(dump.toLowerCase()).not.toContain(email.toLowerCase());
    expect(leads(world).find((l) => l.Id === lead.Id)).toBeUndefined();
    expect(world.sandbox.salesforce.recycleBin().map((d) => d.record.Id)).toContain(lead.Id);
    const audit = await t.store.audit.list(ws.id);
    expect(audit.map((a) => [a.actor, a.action])).toEqual([
      ['cli:test', 'contact.erase'],
      ['cli:test', 'contact.erase.crm'],
    ]);
    expect(audit[0]!.dataKinds).toEqual(expect.arrayContaining(['contact_snapshot', 'engagement_events']));

    // The person is still in HubSpot: a full sync must not bring them back anywhere.
    const full = await world.sync({ full: true });
    expect(full.errors).toEqual([]);
    expect(await t.store.contacts.get(ws.id, contactId)).toBeNull();
    expect((await dumpDatabase(t.store)).toLowerCase()).not.toContain(email.toLowerCase());
    expect(leads(world).filter((l) => String(l.Email ?? '').toLowerCase() === email.toLowerCase())).toEqual(
      [],
    );
  });

  it('leaves a converted record in Salesforce and reports its Contact', async () => {
    world = await startWorld(t.store, 400);
    await world.sync();
    const lead = leads(world).find((l) => l[EXT])!;
    const { contactId: sfContact } = world.sandbox.salesforce.sales.convertLead(String(lead[EXT]));
    await world.sync();
    const ws = await t.store.workspaces.require(world.workspaceId);
    // No CRM connector at hand (a webhook): the store part now, the CRM part at the next sync.
    const report = await eraseContact(
      { store: t.store, log: silentLogger },
      ws,
      { id: contactIdOf(String(lead[EXT])) },
      'api',
    );
    expect(report.crm.pending).toBe(true);
    await world.sync();
    const crmEntry = (await t.store.audit.list(ws.id)).find((a) => a.action === 'contact.erase.crm')!;
    expect(crmEntry.actor).toBe('sync');
    expect(crmEntry.details.deleted).toBe(0);
    const kept = crmEntry.details.kept as { object: string; id: string }[];
    expect(kept).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ object: 'Lead', id: String(lead.Id) }),
        expect.objectContaining({ object: 'Contact', id: sfContact }),
      ]),
    );
    expect(world.sandbox.salesforce.records('Contact').map((c) => c.Id)).toContain(sfContact);
    expect(await t.store.erasures.pendingCrm(ws.id)).toEqual([]);
  });
});

describe('old-format external ids', () => {
  it('are re-keyed in place in Salesforce and the store: no duplicate, no lost link', async () => {
    world = await startWorld(t.store, 400);
    const first = await world.sync();
    // Go back to what the previous version wrote: `hubspot:<contactId>` in the org and the store.
    for (const l of leads(world).filter((x) => x[EXT])) {
      world.sandbox.salesforce.editRecord('Lead', String(l.Id), {
        [EXT]: `hubspot:${contactIdOf(String(l[EXT]))}`,
      });
    }
    await t.store.db.query(
      `UPDATE crm_links SET external_id = 'hubspot:' || contact_id WHERE workspace_id = $1`,
      [world.workspaceId],
    );
    const idsBefore = leads(world)
      .map((l) => String(l.Id))
      .sort();

    const next = await world.sync();
    expect(next.crmCreated).toBe(0);
    expect(
      leads(world)
        .map((l) => String(l.Id))
        .sort(),
    ).toEqual(idsBefore);
    const handed = leads(world).filter((l) => l[EXT]);
    expect(handed).toHaveLength(first.handedOff);
    for (const l of handed) expect(String(l[EXT])).toMatch(/^hubspot:sandbox:\d+$/);
    for (const link of await t.store.links.list(world.workspaceId)) {
      expect(link.externalId).toBe(`hubspot:sandbox:${link.contactId}`);
      expect(handed.find((l) => l.Id === link.crmId)?.[EXT]).toBe(link.externalId);
    }
    // A later change still lands on the same Lead.
    const someone = contactIdOf(String(handed[0]![EXT]));
    world.sandbox.hubspot.updateContact(someone, { jobtitle: 'Head of RevOps' });
    const later = await world.sync();
    expect(later.crmCreated).toBe(0);
    expect(leads(world)).toHaveLength(idsBefore.length);
  });
});
