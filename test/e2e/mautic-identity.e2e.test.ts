/**
 * Mautic merges and deletions end to end: the Mautic and Salesforce sandboxes over HTTP, the web
 * app's signed webhook route, the real pipeline and the PostgreSQL store. Mautic has no merge
 * webhook: its merge saves the winner and deletes the loser (`mautic.lead_post_delete`), after which
 * `GET /api/contacts/{loser}` answers the winner (Mautic 5 `ContactMerger::merge`,
 * `LeadModel::getEntity`); a real deletion answers 404 there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { signMauticWebhook } from '../../connectors/mautic/index.ts';
import type { MauticWebhookBody } from '../../connectors/mautic/sandbox/index.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync, type RunSyncOptions } from '../../src/pipeline/index.ts';
import { dumpDatabase } from '../helpers/dump.ts';
import { type Harness, MAUTIC_WEBHOOK_SECRET, startHarness } from '../server/harness.ts';

import { salesforceConnection, workspaceOnDefaultPreset } from './helpers.ts';

const EXT = 'Leadstage_External_Id__c';
const HOST = 'mautic.northwind.example';
const LOSER_EMAIL = 'old.address@northwind.example';
const WINNER_EMAIL = 'new.address@northwind.example';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A workspace syncing the Mautic sandbox (instance HOST) into the Salesforce sandbox. */
async function mauticWorkspace() {
  const { store } = h.ctx;
  const m = h.sandbox.mautic.issueTokens();
  const source = await store.connections.create({
    vendor: 'mautic',
    baseUrl: `${h.sandbox.url}/mautic`,
    accountId: HOST,
    credentials: {
      kind: 'oauth2',
      accessToken: m.accessToken,
      refreshToken: m.refreshToken,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
  });
  const ws = await workspaceOnDefaultPreset(store, {
    name: 'mautic-identity',
    sourceVendor: 'mautic',
    sourceConnectionId: source.id,
    crmConnectionId: (await salesforceConnection(store, h.sandbox.salesforce.oauth.issueTokens())).id,
  });
  const sync = (extra: Partial<RunSyncOptions> = {}) =>
    runSync({
      store,
      registry: h.ctx.registry,
      limiter: new MemoryRateLimiter(),
      log: silentLogger,
      workspace: ws.id,
      ...extra,
    });
  return { workspaceId: ws.id, sync };
}

/** The BANT answers and firmographics the default preset takes as a Sales Qualified Lead. */
function makeSalesReady(id: number, email: string) {
  h.sandbox.mautic.updateContact(id, {
    email,
    position: 'Head of Marketing',
    num_employees: 500,
    bant_budget: 'approved',
    bant_authority: 'decision maker',
    bant_need: 'confirmed',
    bant_timeline: 'this quarter',
  });
}

async function deliver(body: MauticWebhookBody) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${h.url}/webhooks/mautic`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-signature': signMauticWebhook(raw, MAUTIC_WEBHOOK_SECRET),
    },
    body: raw,
  });
  expect(res.status).toBe(200);
}

const leadFor = (contactId: number) =>
  h.sandbox.salesforce.records('Lead').filter((l) => l[EXT] === `mautic:${HOST}:${contactId}`);
const handedLeads = () => h.sandbox.salesforce.records('Lead').filter((l) => l[EXT]);

/** Mautic contacts: the first to hand off (the loser), the second never sales-ready (the winner). */
function twoContacts(): [number, number] {
  const [a, b] = [...h.sandbox.mautic.state().contacts.keys()];
  return [a!, b!];
}

async function eventsOf(workspaceId: string, contactId: number): Promise<string[]> {
  const { rows } = await h.ctx.store.db.query<{ event_id: string }>(
    'SELECT event_id FROM engagement_events WHERE workspace_id = $1 AND contact_id = $2',
    [workspaceId, String(contactId)],
  );
  return rows.map((r) => r.event_id).sort();
}

async function stagesOf(workspaceId: string, contactId: number): Promise<string[]> {
  const { rows } = await h.ctx.store.db.query<{ stage: string }>(
    'SELECT stage FROM stage_history WHERE workspace_id = $1 AND contact_id = $2',
    [workspaceId, String(contactId)],
  );
  return rows.map((r) => r.stage).sort();
}

async function needsQualification(workspaceId: string, contactId: number): Promise<boolean | undefined> {
  const { rows } = await h.ctx.store.db.query<{ needs_qualification: boolean }>(
    'SELECT needs_qualification FROM contacts WHERE workspace_id = $1 AND contact_id = $2',
    [workspaceId, String(contactId)],
  );
  return rows[0]?.needs_qualification;
}

describe('a Mautic merge', () => {
  it('moves link, history and events to the winner, which is re-qualified; the loser is never handed off again nor erased', async () => {
    const { workspaceId, sync } = await mauticWorkspace();
    const [loser, winner] = twoContacts();
    makeSalesReady(loser, LOSER_EMAIL);
    await sync();
    const [lead] = leadFor(loser);
    expect(lead?.Email).toBe(LOSER_EMAIL);
    expect(leadFor(winner)).toEqual([]);
    const handedBefore = handedLeads().length;
    const { store } = h.ctx;
    const loserDecision = await store.decisions.get(workspaceId, String(loser));
    expect(loserDecision?.stage).toBe('salesqualifiedlead');
    const winnerDecision = await store.decisions.get(workspaceId, String(winner));
    expect(winnerDecision?.stage).not.toBe('salesqualifiedlead');
    const loserStages = await stagesOf(workspaceId, loser);
    const winnerStages = await stagesOf(workspaceId, winner);
    expect(loserStages).toContain('salesqualifiedlead');
    expect(winnerStages).not.toContain('salesqualifiedlead');
    const loserEvents = await eventsOf(workspaceId, loser);
    const winnerEvents = await eventsOf(workspaceId, winner);
    expect(loserEvents.length).toBeGreaterThan(0);

    // Modified last, the winner keeps its own email (Mautic keeps the newest non-empty value).
    h.sandbox.mautic.updateContact(winner, { email: WINNER_EMAIL });
    const bodies = h.sandbox.mautic.mergeContacts(winner, loser);
    expect(Object.keys(bodies[0]!)).toEqual(['mautic.lead_post_save_update']);
    expect(Object.keys(bodies[1]!)).toEqual(['mautic.lead_post_delete']);
    for (const body of bodies) await deliver(body);

    expect(await store.contacts.get(workspaceId, String(loser))).toBeNull();
    const link = await store.links.get(workspaceId, String(winner));
    expect(link?.externalId).toBe(`mautic:${HOST}:${loser}`);
    expect(link?.crmId).toBe(String(lead!.Id));
    expect(await store.links.get(workspaceId, String(loser))).toBeNull();
    // The winner had a decision of its own: it keeps it and is re-qualified on the merged data; the
    // loser's stays in stages the winner never entered move over, so the funnel counts the person once.
    expect((await store.decisions.get(workspaceId, String(winner)))?.stage).toBe(winnerDecision!.stage);
    expect(await stagesOf(workspaceId, winner)).toEqual(
      [...new Set([...winnerStages, ...loserStages])].sort(),
    );
    expect(await stagesOf(workspaceId, loser)).toEqual([]);
    expect(await needsQualification(workspaceId, winner)).toBe(true);
    expect(await eventsOf(workspaceId, winner)).toEqual([...loserEvents, ...winnerEvents].sort());
    expect(await eventsOf(workspaceId, loser)).toEqual([]);
    expect(await store.merges.retired(workspaceId, [String(loser)])).toEqual(new Set([String(loser)]));
    // A merge is not an erasure: nothing suppressed, nothing audited, the Lead stays.
    expect(await store.suppressions.count(workspaceId)).toBe(0);
    expect(await store.audit.list(workspaceId)).toEqual([]);

    const next = await sync();
    expect(next.crmCreated).toBe(0);
    expect(handedLeads()).toHaveLength(handedBefore);
    expect(h.sandbox.salesforce.records('Lead').find((l) => l.Id === lead!.Id)).toBeDefined();
    const full = await sync({ full: true });
    expect(full.crmCreated).toBe(0);
    expect(await store.contacts.get(workspaceId, String(loser))).toBeNull();
    expect(leadFor(winner)).toEqual([]);
  });

  it('waits for the next sync when Mautic cannot say whether a deletion was a merge, guessing nothing', async () => {
    const { workspaceId, sync } = await mauticWorkspace();
    const [loser, winner] = twoContacts();
    makeSalesReady(loser, LOSER_EMAIL);
    await sync();
    const [lead] = leadFor(loser);
    const [, deletion] = h.sandbox.mautic.mergeContacts(winner, loser);
    // A 400 is not retried by the client: the one lookup fails.
    h.sandbox.mautic.failNext({ endpoint: 'GET /api/contacts/:id', status: 400 });
    await deliver(deletion!);

    const { store } = h.ctx;
    const waiting = await store.recordErrors.list(workspaceId, { step: 'source_deletion' });
    expect(waiting.map((e) => [e.recordId, e.vendorCode])).toEqual([[String(loser), 'fate_unknown']]);
    expect(await store.contacts.get(workspaceId, String(loser))).not.toBeNull();
    expect(await store.audit.list(workspaceId)).toEqual([]);

    const next = await sync();
    expect(next.crmCreated).toBe(0);
    expect((await store.links.get(workspaceId, String(winner)))?.crmId).toBe(String(lead!.Id));
    expect(await store.contacts.get(workspaceId, String(loser))).toBeNull();
    expect(await store.recordErrors.list(workspaceId, { step: 'source_deletion' })).toEqual([]);
    expect(h.sandbox.salesforce.records('Lead').find((l) => l.Id === lead!.Id)).toBeDefined();
  });
});

describe('a Mautic deletion', () => {
  it('erases the person: no trace in a dump, the Lead deleted at the next sync, audited as the webhook', async () => {
    const { workspaceId, sync } = await mauticWorkspace();
    const [gone, other] = twoContacts();
    makeSalesReady(gone, LOSER_EMAIL);
    makeSalesReady(other, WINNER_EMAIL);
    await sync();
    const [lead] = leadFor(gone);
    expect(lead?.Email).toBe(LOSER_EMAIL);
    expect(await dumpDatabase(h.ctx.store)).toContain(LOSER_EMAIL);

    await deliver(h.sandbox.mautic.deleteContact(gone));
    const dump = (await dumpDatabase(h.ctx.store)).toLowerCase();
    expect(dump).not.toContain(LOSER_EMAIL);
    expect(dump).toContain(WINNER_EMAIL);
    const { store } = h.ctx;
    // One digest for the source id and one for the email the store held.
    expect(await store.suppressions.count(workspaceId)).toBe(2);
    expect((await store.audit.list(workspaceId)).map((a) => [a.actor, a.action])).toEqual([
      ['webhook:mautic', 'contact.erase'],
    ]);
    // The answer stays fast: Salesforce is reached at the next sync, by the default policy.
    expect(leadFor(gone)).toHaveLength(1);
    await sync();
    expect(leadFor(gone)).toEqual([]);
    expect(h.sandbox.salesforce.recycleBin().map((d) => d.record.Id)).toEqual([lead!.Id]);
    expect(leadFor(other)).toHaveLength(1);
    const crm = (await store.audit.list(workspaceId)).find((a) => a.action === 'contact.erase.crm');
    expect(crm).toMatchObject({ actor: 'sync', details: { deleted: 1, policy: 'delete_lead' } });
  });
});
