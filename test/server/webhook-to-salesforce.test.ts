/**
 * The whole webhook path: HubSpot says a contact changed → the web app verifies and enqueues →
 * a worker re-qualifies the contact → it is handed to the Salesforce sandbox, once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SANDBOX_PRIVATE_APP_TOKEN, signHubspotWebhookV3 } from '../../connectors/hubspot/index.ts';
import { PORTAL_ID } from '../../connectors/hubspot/sandbox/portal.ts';
import { pipelineHandlers } from '../../jobs/handlers.ts';
import { RedisRateLimiter } from '../../jobs/redis-rate-limiter.ts';
import { startWorkers, type RunningWorkers } from '../../jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { makeSalesReady } from '../e2e/helpers.ts';
import { waitFor } from '../integration/worker/helpers.ts';

import { type Harness, startHarness } from './harness.ts';

const SECRET = 'hubspot-app-secret-for-tests';
let h: Harness;
let workers: RunningWorkers | undefined;

beforeEach(async () => {
  h = await startHarness({ HUBSPOT_CLIENT_ID: 'app', HUBSPOT_CLIENT_SECRET: SECRET });
});
afterEach(async () => {
  await workers?.close();
  workers = undefined;
  await h.close();
});

describe('when HubSpot reports that a contact became sales-ready', () => {
  it('should reach Salesforce through the webhook, the queue and a worker, and nothing else should', async () => {
    const { store } = h.ctx;
    const ws = await h.createWorkspace('acme', 'hubspot');
    const source = await store.connections.create({
      vendor: 'hubspot',
      accountId: String(PORTAL_ID),
      baseUrl: `${h.sandbox.url}/hubspot`,
      credentials: { kind: 'private_app', token: SANDBOX_PRIVATE_APP_TOKEN },
    });
    const sf = h.sandbox.salesforce.oauth.issueTokens();
    const crm = await store.connections.create({
      vendor: 'salesforce',
      baseUrl: sf.instance_url,
      credentials: {
        kind: 'oauth2',
        accessToken: sf.access_token,
        refreshToken: sf.refresh_token!,
        instanceUrl: sf.instance_url,
      },
    });
    await store.workspaces.setConnection(ws.id, 'source', source.id);
    await store.workspaces.setConnection(ws.id, 'crm', crm.id);

    // A rep's SDR filled in BANT on one contact in HubSpot.
    const [contactId] = [...h.sandbox.hubspot.portal.contacts.keys()];
    makeSalesReady(h.sandbox, contactId!, 'mia.ops@northwind.example');

    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionType: 'contact.propertyChange',
        objectId: Number(contactId),
        portalId: PORTAL_ID,
        propertyName: 'bant_budget',
      },
    ]);
    const timestamp = Date.now();
    const url = `${h.url}/webhooks/hubspot`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-request-timestamp': String(timestamp),
        'x-hubspot-signature-v3': signHubspotWebhookV3(SECRET, 'POST', url, body, timestamp),
      },
      body,
    });
    expect(res.status).toBe(200);

    workers = startWorkers({
      connection: h.ctx.redis,
      prefix: h.ctx.queuePrefix,
      handlers: pipelineHandlers({
        store,
        registry: h.ctx.registry,
        limiter: new RedisRateLimiter(h.ctx.redis, `${h.ctx.queuePrefix}:rl`),
        log: silentLogger,
      }),
      log: silentLogger,
    });
    const leads = await waitFor('the lead in Salesforce', () => {
      const handed = h.sandbox.salesforce.records('Lead').filter((l) => l.Leadstage_External_Id__c);
      return handed.length > 0 ? handed : undefined;
    });
    expect(leads.map((l) => [l.Leadstage_External_Id__c, l.Leadstage_Stage__c, l.Email])).toEqual([
      [`hubspot:${PORTAL_ID}:${contactId}`, 'Sales Qualified Lead', 'mia.ops@northwind.example'],
    ]);
    expect(h.sandbox.hubspot.portal.contacts.get(contactId!)!.properties.lifecyclestage).toBe(
      'salesqualifiedlead',
    );
    expect((await store.decisions.get(ws.id, contactId!))!.stage).toBe('salesqualifiedlead');
  });
});
