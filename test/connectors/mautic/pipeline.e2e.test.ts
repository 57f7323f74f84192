/**
 * `leadstage sync` of a workspace whose source is the Mautic sandbox and whose CRM is the Salesforce
 * sandbox, both over real HTTP, with the real pipeline, store (PGlite) and the default preset.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistry } from '../../../src/pipeline/registry.ts';
import { salesforceConnector } from '../../../connectors/salesforce/index.ts';
import type { SalesforceSandbox } from '../../../connectors/salesforce/sandbox/index.ts';
import { mauticConnector } from '../../../connectors/mautic/index.ts';
import { createMauticSandbox, type MauticSandbox } from '../../../connectors/mautic/sandbox/index.ts';
import { silentLogger } from '../../../src/log.ts';
import { listenSalesforceSandbox, type SalesforceListener } from '../../../src/sandbox/listener.ts';
import { runSync } from '../../../src/pipeline/index.ts';
import { DEFAULT_PRESET, loadModel } from '../../../src/qualification/index.ts';
import { openTestStore, type TestStore } from '../../helpers/db.ts';
import { listen, mauticConnection, type Listening } from './sync-rig.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
let t: TestStore;
let server: Listening;
let mautic: MauticSandbox;
let salesforce: SalesforceSandbox;
let sfListener: SalesforceListener;
let base: string;

beforeAll(async () => {
  t = await openTestStore('pglite');
  const app = express();
  server = await listen(app);
  base = server.base;
  const common = { seed: 42, contacts: 150, now: () => NOW };
  mautic = createMauticSandbox({ ...common, publicUrl: `${base}/mautic` });
  app.use('/mautic', mautic.router);
  // Salesforce at the root of its own port, as an instance is.
  sfListener = await listenSalesforceSandbox({ ...common, contacts: 0, port: 0 });
  salesforce = sfListener.sandbox;
});

afterAll(async () => {
  await server.close();
  await sfListener.close();
  await t.cleanup();
});

describe('when a workspace syncs the Mautic sandbox into the Salesforce sandbox', () => {
  it('should hand off SQL-and-beyond contacts once, write stages and scores back to Mautic, and stay idempotent', async () => {
    const { store } = t;
    const { source: text, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
    const registry = createRegistry([mauticConnector, salesforceConnector]);
    const sf = salesforce.oauth.issueTokens();
    const ws = await store.workspaces.create({
      name: 'mautic-e2e',
      sourceVendor: 'mautic',
      crmVendor: 'salesforce',
      model: { text: text.text, ref: text.ref, version: model.version },
    });
    const mauticConn = await mauticConnection(store, mautic, `${base}/mautic`);
    const sfConn = await store.connections.create({
      vendor: 'salesforce',
      baseUrl: sf.instance_url,
      credentials: {
        kind: 'oauth2',
        accessToken: sf.access_token,
        ...(sf.refresh_token ? { refreshToken: sf.refresh_token } : {}),
        instanceUrl: sf.instance_url,
      },
    });
    await store.workspaces.setConnection(ws.id, 'source', mauticConn.id);
    await store.workspaces.setConnection(ws.id, 'crm', sfConn.id);
    const options = { store, registry, log: silentLogger, workspace: ws.name };

    const first = await runSync(options);
    expect(first.errors).toStrictEqual([]);
    expect(first.pulled.contacts).toBe(150);
    expect(first.handedOff).toBeGreaterThan(0);

    const leads = salesforce
      .records('Lead')
      .filter((r) => String(r.Leadstage_External_Id__c ?? '').startsWith('mautic:'));
    expect(leads).toHaveLength(first.handedOff);
    for (const lead of leads) {
      const id = Number(String(lead.Leadstage_External_Id__c).split(':').pop());
      const contact = mautic.contact(id)!;
      expect(lead.Email).toBe(contact.fields.all.email);
      expect(contact.stage?.name).toBe('Sales Qualified Lead');
      expect(typeof contact.fields.all.ls_score).toBe('number');
    }

    const second = await runSync(options);
    expect(second.errors).toStrictEqual([]);
    expect(second.handedOff).toBe(0);
    expect(
      salesforce
        .records('Lead')
        .filter((r) => String(r.Leadstage_External_Id__c ?? '').startsWith('mautic:')),
    ).toHaveLength(leads.length);
  });
});
