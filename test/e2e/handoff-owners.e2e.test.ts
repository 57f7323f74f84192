/**
 * A handoff sales can act on, through the HubSpot and Salesforce sandboxes with the real pipeline
 * and store: who owns a created Lead (round-robin, a field mapping, Salesforce's assignment rules),
 * that a Lead a rep owns never changes hands, and the one Task per Lead that says why.
 * Expected values are worked out by hand from the settings and the sandbox org's documented rules.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SANDBOX_QUEUES, SANDBOX_USERS } from '../../connectors/salesforce/sandbox/assignment.ts';
import { saveHandoffSettings } from '../../src/pipeline/handoff-settings.ts';
import { compileModelText } from '../../src/qualification/index.ts';
import { loadFunnel } from '../../src/report/load.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { startWorld, type E2eWorld } from './helpers.ts';

const EXT = 'Leadstage_External_Id__c';
const { ava, ben, cleo, dan, integration } = SANDBOX_USERS;

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

/**
 * An SQL under the default preset: "Marketing Manager" scores fit 20 (the persona rule) ≥ 20, and
 * full BANT stands in for a booked meeting.
 */
function addSql(w: E2eWorld, n: number, extra: Record<string, string> = {}): string {
  return w.sandbox.hubspot.addContact({
    email: `buyer${n}@northwind${n}.example`,
    firstname: `Buyer${n}`,
    lastname: 'Smith',
    company: `Northwind ${n}`,
    jobtitle: 'Marketing Manager',
    employees: '200',
    country: 'Japan',
    bant_budget: 'approved',
    bant_authority: 'decision maker',
    bant_need: 'lead routing',
    bant_timeline: 'this quarter',
    ...extra,
  });
}

function leads(w: E2eWorld) {
  // Sandbox ids grow with creation, like an org's: sorting by Id is creation order.
  return w.sandbox.salesforce
    .records('Lead')
    .filter((l) => l[EXT])
    .sort((a, b) => String(a.Id).localeCompare(String(b.Id)));
}

const leadOf = (w: E2eWorld, contactId: string) =>
  w.sandbox.salesforce.records('Lead').find((l) => String(l[EXT]).endsWith(`:${contactId}`))!;

async function configure(w: E2eWorld, changes: { owner?: unknown; why?: unknown }) {
  const ws = await t.store.workspaces.require(w.workspaceId);
  await saveHandoffSettings(t.store, ws, changes, 'test');
}

describe('owners of handed-off records', () => {
  it('round-robin over 3 users gives 7 new Leads 3/2/2 in turn, and the turn survives a restart', async () => {
    world = await startWorld(t.store, 0);
    await configure(world, { owner: { mode: 'round_robin', users: [ava, ben, cleo] } });
    for (let n = 1; n <= 7; n++) addSql(world, n);
    const first = await world.sync();
    expect(first.handedOff).toBe(7);
    expect(leads(world).map((l) => l.OwnerId)).toEqual([ava, ben, cleo, ava, ben, cleo, ava]);

    // Each run opens its connectors afresh; only the store remembers the turn: ben is next.
    addSql(world, 8);
    addSql(world, 9);
    const second = await world.sync();
    expect(second.handedOff).toBe(2);
    expect(leads(world).map((l) => l.OwnerId)).toEqual([ava, ben, cleo, ava, ben, cleo, ava, ben, cleo]);
    const links = await t.store.links.list(world.workspaceId);
    expect(links.map((l) => l.ownerId)).toEqual([ava, ben, cleo, ava, ben, cleo, ava, ben, cleo]);
  });

  it('never changes the owner of a Lead a rep owns, and such a Lead costs nobody a turn', async () => {
    world = await startWorld(t.store, 0);
    await configure(world, { owner: { mode: 'round_robin', users: [ava, ben, cleo] } });
    const ids = [1, 2, 3, 4].map((n) => addSql(world!, n, { country: 'France' }));
    // Dan already works contact 2 in Salesforce under leadstage's external id (an earlier link lost).
    const owned = world.sandbox.salesforce.enterRecord('Lead', {
      LastName: 'Smith',
      Company: 'Northwind 2',
      Country: 'France',
      OwnerId: dan,
      [EXT]: `hubspot:sandbox:${ids[1]}`,
    });
    // And contact 4's email is on a Lead Dan entered by hand (matched on email on the first handoff).
    const matched = world.sandbox.salesforce.enterRecord('Lead', {
      LastName: 'Smith',
      Company: 'Northwind 4',
      Email: 'buyer4@northwind4.example',
      Country: 'France',
      OwnerId: dan,
    });
    const first = await world.sync();
    expect(first.handedOff).toBe(4);
    const owner = (id: string) => world!.sandbox.salesforce.records('Lead').find((l) => l.Id === id)!.OwnerId;
    expect(owner(owned)).toBe(dan);
    expect(owner(matched)).toBe(dan);
    // Only the two Leads created took turns: ava, then ben. (France would send them to the EMEA
    // queue under the org's active rule, which no write of ours runs.)
    expect(leadOf(world, ids[0]!).OwnerId).toBe(ava);
    expect(leadOf(world, ids[2]!).OwnerId).toBe(ben);

    // A later handoff updates the Leads and still moves nobody.
    for (const id of ids) world.sandbox.hubspot.updateContact(id, { jobtitle: 'VP Marketing' });
    const later = await world.sync();
    expect(later.handedOff).toBe(4);
    expect([
      owner(owned),
      owner(matched),
      leadOf(world, ids[0]!).OwnerId,
      leadOf(world, ids[2]!).OwnerId,
    ]).toEqual([dan, dan, ava, ben]);
  });

  it('maps a field (country) to a user, case and spaces aside, with a fallback for other values', async () => {
    world = await startWorld(t.store, 0);
    await configure(world, {
      owner: { mode: 'field', field: 'country', map: { france: ava, Germany: ben }, fallback: cleo },
    });
    const fr = addSql(world, 1, { country: 'France' });
    const de = addSql(world, 2, { country: ' germany ' });
    const jp = addSql(world, 3, { country: 'Japan' });
    await world.sync();
    expect([fr, de, jp].map((id) => leadOf(world!, id).OwnerId)).toEqual([ava, ben, cleo]);
  });

  it("uses Salesforce's active assignment rule, or the rule named, on created Leads only", async () => {
    world = await startWorld(t.store, 0);
    await configure(world, { owner: { mode: 'assignment_rules' } });
    const fr = addSql(world, 1, { country: 'France' });
    const us = addSql(world, 2, { country: 'United States' });
    const jp = addSql(world, 3, { country: 'Japan' });
    await world.sync();
    // The sandbox's active rule: Europe → EMEA queue, Americas → Americas queue, else the default lead owner.
    expect([fr, us, jp].map((id) => leadOf(world!, id).OwnerId)).toEqual([
      SANDBOX_QUEUES.emea,
      SANDBOX_QUEUES.americas,
      integration,
    ]);

    // The inactive "Everything to Americas" rule, run by id, for the next new Lead only.
    const rule = world.sandbox.salesforce.assignmentRules().find((r) => !r.active)!;
    await configure(world, { owner: { mode: 'assignment_rules', ruleId: rule.id } });
    const de = addSql(world, 4, { country: 'Germany' });
    world.sandbox.hubspot.updateContact(fr, { jobtitle: 'VP Marketing' });
    await world.sync();
    expect(leadOf(world, de).OwnerId).toBe(SANDBOX_QUEUES.americas);
    expect(leadOf(world, fr).OwnerId).toBe(SANDBOX_QUEUES.emea);
  });
});

describe('the why in Salesforce', () => {
  it('writes one Task per Lead with the explanation and recent engagement, and updates it on the next handoff', async () => {
    world = await startWorld(t.store, 0);
    const id = addSql(world, 1);
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    world.sandbox.hubspot.portal.webEvents.push(
      {
        id: 'w1',
        eventType: 'e_submitted_form',
        objectId: id,
        occurredAt: day(3),
        properties: { hs_form_title: 'Contact sales' },
      },
      {
        id: 'w2',
        eventType: 'e_visited_page',
        objectId: id,
        occurredAt: day(1),
        properties: { hs_url: 'https://example.com/pricing', hs_page_title: 'Pricing' },
      },
    );
    await world.sync();
    const lead = leadOf(world, id);
    const tasks = () => world!.sandbox.salesforce.records('Task').filter((k) => k.WhoId === lead.Id);
    expect(tasks()).toHaveLength(1);
    const task = tasks()[0]!;
    expect(task.Subject).toBe('Leadstage: Buyer1 Smith is a Sales Qualified Lead');
    expect(task.Status).toBe('Not Started');
    const body = String(task.Description);
    expect(body).toContain('Scores: fit 20,');
    expect(body).toContain('Recent engagement (last 2):');
    // Newest first: the pricing page (1 day ago) before the form (3 days ago).
    expect(body.indexOf('Page: Pricing')).toBeGreaterThan(0);
    expect(body.indexOf('Page: Pricing')).toBeLessThan(body.indexOf('Form: Contact sales'));
    expect((await t.store.links.get(world.workspaceId, id))!.why).toEqual({ object: 'Task', id: task.Id });

    // The rep completes the Task; a change re-hands the Lead: the same Task is updated, not reopened.
    world.sandbox.salesforce.editRecord('Task', String(task.Id), { Status: 'Completed' });
    world.sandbox.hubspot.updateContact(id, { jobtitle: 'VP Marketing' });
    const again = await world.sync();
    expect(again.handedOff).toBe(1);
    expect(tasks()).toHaveLength(1);
    expect(tasks()[0]!.Id).toBe(task.Id);
    // VP Marketing: persona 20 + senior title 10 = fit 30.
    expect(String(tasks()[0]!.Description)).toContain('Scores: fit 30,');
    expect(tasks()[0]!.Status).toBe('Completed');
  });

  it('writes a Note instead when configured, and a Task a rep deleted is written anew', async () => {
    world = await startWorld(t.store, 0);
    await configure(world, { why: { as: 'note', events: 5 } });
    const id = addSql(world, 1);
    await world.sync();
    const lead = leadOf(world, id);
    const notes = () => world!.sandbox.salesforce.records('Note').filter((n) => n.ParentId === lead.Id);
    expect(notes()).toHaveLength(1);
    expect(notes()[0]!.Title).toBe('Leadstage: Buyer1 Smith is a Sales Qualified Lead');
    expect(world.sandbox.salesforce.records('Task')).toHaveLength(0);

    await configure(world, { why: { as: 'task', events: 5 } });
    world.sandbox.hubspot.updateContact(id, { jobtitle: 'VP Marketing' });
    await world.sync();
    const [task] = world.sandbox.salesforce.records('Task');
    expect(task!.WhoId).toBe(lead.Id);
    world.sandbox.salesforce.deleteRecord(String(task!.Id));
    world.sandbox.hubspot.updateContact(id, { jobtitle: 'Marketing Manager' });
    await world.sync();
    const live = world.sandbox.salesforce.records('Task');
    expect(live).toHaveLength(1);
    expect(live[0]!.Id).not.toBe(task!.Id);
    expect(String(live[0]!.Description)).toContain('Scores: fit 20,');
  });
});

describe('the SDR step', () => {
  it('records marketing → SDR and SDR → sales as separate moments, and the funnel counts each by owner', async () => {
    world = await startWorld(t.store, 0);
    const text = [
      'name: sdr-step',
      'dimensions: [fit]',
      'stages:',
      '  - { key: lead }',
      "  - { key: mql, owner: sdr, requires: { property: jobtitle, matches: 'marketing' } }",
      '  - key: sql',
      '    owner: sales',
      '    handoff: true',
      "    requires: { all: [{ property: jobtitle, matches: 'marketing' }, { property: budget, exists: true }] }",
      'scoring:',
      "  - { dimension: fit, when: { property: jobtitle, matches: 'marketing' }, points: 20 }",
    ].join('\n');
    const model = compileModelText(text, 'sdr-step.yaml');
    await t.store.workspaces.setModel(world.workspaceId, {
      text,
      ref: 'sdr-step.yaml',
      version: model.version,
    });
    const person = (n: number, jobtitle: string) =>
      world!.sandbox.hubspot.addContact({ email: `p${n}@acme${n}.example`, lastname: `P${n}`, jobtitle });
    const a = person(1, 'Marketing Manager');
    const b = person(2, 'Marketing Director');
    person(3, 'Engineer');
    const first = await world.sync();
    expect(first.handedOff).toBe(0);

    // B's budget is confirmed: the SDR hands B to sales (and leadstage hands B to Salesforce).
    world.sandbox.hubspot.updateContact(b, { bant_budget: 'approved' });
    const second = await world.sync();
    expect(second.handedOff).toBe(1);

    const moments = await t.store.ownership.moments(world.workspaceId);
    expect(moments.map((m) => [m.contactId, m.from, m.to, m.stage])).toEqual([
      [a, 'marketing', 'sdr', 'mql'],
      [b, 'marketing', 'sdr', 'mql'],
      [b, 'sdr', 'sales', 'sql'],
    ]);
    const { report } = await loadFunnel(t.store, world.workspaceId);
    expect(report.owners).toEqual([
      { owner: 'marketing', stages: ['lead'], reached: 3, current: 1 },
      { owner: 'sdr', stages: ['mql'], reached: 2, current: 1 },
      { owner: 'sales', stages: ['sql'], reached: 1, current: 1 },
    ]);
    expect(report.handoffs).toEqual([
      { from: 'marketing', to: 'sdr', contacts: 2 },
      { from: 'sdr', to: 'sales', contacts: 1 },
    ]);
  });
});
