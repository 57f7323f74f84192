import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { signMauticWebhook } from '../../connectors/mautic/index.ts';

import {
  type Harness,
  MAUTIC_WEBHOOK_SECRET,
  hubspotDelivery as deliverHubspot,
  sourceWorkspace as sourceWorkspaceOf,
  startHarness,
} from './harness.ts';

const HUBSPOT_SECRET = 'hubspot-app-secret-for-tests';
const PERSONAL = 'jane.doe.private@example.com';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ HUBSPOT_CLIENT_ID: 'app', HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET });
});
afterEach(async () => {
  await h.close();
});

const sourceWorkspace = (name: string, vendor: 'hubspot' | 'mautic', accountId: string) =>
  sourceWorkspaceOf(h, name, vendor, accountId);

async function requalifyJobs(): Promise<Job[]> {
  return h.ctx.queues.requalify.getJobs(['delayed', 'waiting']);
}

const hubspotDelivery = (body: string, secret = HUBSPOT_SECRET, timestamp = Date.now()) =>
  deliverHubspot(h, body, secret, timestamp);

describe('when HubSpot tells of property changes leadstage itself wrote back', () => {
  // The documented payload fields (API-NOTES §1.8): a change made through an app's token carries
  // changeSource INTEGRATION and that app's id as sourceId; appId is the app that subscribed (ours).
  const change = (eventId: number, objectId: number, propertyName: string, source: object) => ({
    eventId,
    subscriptionId: 1,
    portalId: 4242,
    appId: 31337,
    occurredAt: Date.now(),
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId,
    propertyName,
    propertyValue: 'x',
    ...source,
  });
  const ours = { changeSource: 'INTEGRATION', sourceId: '31337' };

  it('should enqueue no re-qualification for our own write-back, and still for everyone else', async () => {
    const { ws } = await sourceWorkspace('acme', 'hubspot', '4242');
    const body = JSON.stringify([
      change(11, 101, 'leadstage_stage', ours),
      change(12, 101, 'lifecyclestage', ours),
      change(13, 102, 'jobtitle', { changeSource: 'CRM_UI', sourceId: 'userId:77' }),
      // Another integration writing to the same portal is a change like any other.
      change(14, 103, 'lifecyclestage', { changeSource: 'INTEGRATION', sourceId: '5150' }),
      // A person's edit and our write on one contact in one delivery: the edit counts.
      change(15, 104, 'leadstage_score_total', ours),
      change(16, 104, 'email', { changeSource: 'CRM_UI', sourceId: 'userId:77' }),
    ]);
    expect((await hubspotDelivery(body)).status).toBe(200);
    const jobs = await requalifyJobs();
    const ids = jobs.flatMap((j) => (j.data as { workspaceId: string; contactIds: string[] }).contactIds);
    expect(ids.sort()).toStrictEqual(['102', '103', '104']);
    for (const j of jobs) expect((j.data as { workspaceId: string }).workspaceId).toBe(ws.id);
  });

  it('should answer a delivery of only our own writes without enqueuing anything', async () => {
    await sourceWorkspace('acme', 'hubspot', '4242');
    const body = JSON.stringify([
      change(21, 101, 'leadstage_stage', ours),
      change(22, 105, 'lifecyclestage', ours),
    ]);
    expect((await hubspotDelivery(body)).status).toBe(200);
    expect(await requalifyJobs()).toStrictEqual([]);
  });
});

describe('when HubSpot delivers a signed webhook', () => {
  it('should enqueue re-qualification for the workspace whose portal it names, and only that one', async () => {
    const { ws } = await sourceWorkspace('acme', 'hubspot', '4242');
    await sourceWorkspace('other', 'hubspot', '777');
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionType: 'contact.propertyChange',
        objectId: 101,
        portalId: 4242,
        propertyName: 'email',
      },
      { eventId: 2, subscriptionType: 'contact.creation', objectId: 102, portalId: 4242 },
      { eventId: 3, subscriptionType: 'contact.creation', objectId: 900, portalId: 5555 },
    ]);
    const res = await hubspotDelivery(body);
    expect(res.status).toBe(200);
    const jobs = await requalifyJobs();
    expect(
      jobs.map((j) => j.data as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toStrictEqual([
      { workspaceId: ws.id, contactIds: ['101'] },
      { workspaceId: ws.id, contactIds: ['102'] },
    ]);
  });

  it('should refuse a bad signature with 401 and log the refusal without the body', async () => {
    await sourceWorkspace('acme', 'hubspot', '4242');
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionType: 'contact.propertyChange',
        objectId: 101,
        portalId: 4242,
        propertyValue: PERSONAL,
      },
    ]);
    const res = await hubspotDelivery(body, 'not-the-secret');
    expect(res.status).toBe(401);
    expect(await requalifyJobs()).toHaveLength(0);
    const refusals = h.logs.filter((l) => l.includes('webhook refused'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('signature mismatch');
    expect(h.logs.join('\n')).not.toContain(PERSONAL);
  });

  it('should refuse a delivery older than five minutes', async () => {
    await sourceWorkspace('acme', 'hubspot', '4242');
    const res = await hubspotDelivery('[]', HUBSPOT_SECRET, Date.now() - 10 * 60_000);
    expect(res.status).toBe(401);
  });
});

describe('when Mautic delivers a signed webhook', () => {
  const payload = JSON.stringify({
    'mautic.lead_post_save_update': [
      { contact: { id: 55, fields: { core: { email: { value: PERSONAL } } } } },
    ],
    'mautic.form_on_submit': [{ submission: { lead: { id: 56 } } }],
  });

  it('should enqueue re-qualification for the workspace of the connection in the path', async () => {
    const { ws, connection } = await sourceWorkspace('acme', 'mautic', 'mautic.example.com');
    const res = await fetch(`${h.url}/webhooks/mautic/${connection.id}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-signature': signMauticWebhook(payload, MAUTIC_WEBHOOK_SECRET),
      },
      body: payload,
    });
    expect(res.status).toBe(200);
    const data = (await requalifyJobs()).map((j) => j.data as { workspaceId: string; contactIds: string[] });
    expect(data.map((d) => d.workspaceId)).toStrictEqual([ws.id, ws.id]);
    expect(data.flatMap((d) => d.contactIds).sort()).toStrictEqual(['55', '56']);
  });

  it('should refuse a bad signature with 401 and keep the body out of the log', async () => {
    const { connection } = await sourceWorkspace('acme', 'mautic', 'mautic.example.com');
    const res = await fetch(`${h.url}/webhooks/mautic/${connection.id}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-signature': signMauticWebhook(payload, 'wrong'),
      },
      body: payload,
    });
    expect(res.status).toBe(401);
    expect(await requalifyJobs()).toHaveLength(0);
    expect(h.logs.filter((l) => l.includes('webhook refused') && l.includes('bad_signature'))).toHaveLength(
      1,
    );
    expect(h.logs.join('\n')).not.toContain(PERSONAL);
  });

  it('should answer 404 for a signed delivery to a connection that does not exist', async () => {
    const res = await fetch(`${h.url}/webhooks/mautic/no-such-connection`, {
      method: 'POST',
      headers: { 'webhook-signature': signMauticWebhook(payload, MAUTIC_WEBHOOK_SECRET) },
      body: payload,
    });
    expect(res.status).toBe(404);
  });
});

describe('when HubSpot reports a deletion or a merge', () => {
  const event = (type: string, objectId: number, extra: Record<string, unknown> = {}) => ({
    eventId: objectId,
    subscriptionId: 1,
    portalId: 4242,
    appId: 1,
    occurredAt: Date.now(),
    subscriptionType: type,
    attemptNumber: 0,
    objectId,
    changeSource: 'CRM',
    ...extra,
  });

  it('should erase a privacy-deleted contact and move a merged-away one to its survivor', async () => {
    const { ws } = await sourceWorkspace('acme', 'hubspot', '4242');
    const { store } = h.ctx;
    const at = new Date().toISOString();
    await store.contacts.upsert(ws.id, [
      { id: '11', properties: { email: PERSONAL }, updatedAt: at },
      { id: '12', properties: { email: 'kept@example.com' }, updatedAt: at },
      { id: '13', properties: { email: 'merged@example.com' }, updatedAt: at },
    ]);
    const body = JSON.stringify([
      event('contact.privacyDeletion', 11),
      event('contact.merge', 12, { primaryObjectId: 12, mergedObjectIds: [13] }),
    ]);
    const res = await hubspotDelivery(body);
    expect(res.status).toBe(200);
    expect(await store.contacts.get(ws.id, '11')).toBeNull();
    expect(await store.contacts.get(ws.id, '13')).toBeNull();
    expect(await store.contacts.get(ws.id, '12')).not.toBeNull();
    expect(await store.merges.retired(ws.id, ['13'])).toEqual(new Set(['13']));
    // Suppressed: a later pull of the erased person is not stored again.
    expect(
      await store.suppressions.suppressedIds(ws.id, [{ id: '99', email: PERSONAL.toUpperCase() }]),
    ).toEqual(new Set(['99']));
    const audit = await store.audit.list(ws.id);
    expect(audit.map((a) => [a.actor, a.action])).toEqual([['webhook:hubspot', 'contact.erase']]);
    expect(JSON.stringify(audit)).not.toContain(PERSONAL);
  });
});
