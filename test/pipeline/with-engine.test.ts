/** The pipeline with the real qualification engine and the default preset (no injected compiler). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  FakeCrmSystem,
  FakeSourceSystem,
  fakeCrmDefinition,
  fakeSourceDefinition,
} from '../../connectors/fake/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { DEFAULT_PRESET, loadModel } from '../../src/qualification/index.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore('postgres');
});
afterAll(async () => {
  await t.cleanup();
});

describe('when a workspace uses the default preset', () => {
  it('should hand off the SQL and move it to opportunity once sales opens one', async () => {
    const { store } = t;
    const { source: text, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
    const source = new FakeSourceSystem();
    const crm = new FakeCrmSystem();
    const registry = createRegistry([fakeSourceDefinition(source), fakeCrmDefinition(crm)]);
    const credentials = { kind: 'private_app' as const, token: 't' };
    const ws = await store.workspaces.create({
      name: 'engine-preset',
      sourceVendor: 'hubspot',
      crmVendor: 'salesforce',
      model: { text: text.text, ref: text.ref, version: model.version },
    });
    await store.workspaces.setConnection(
      ws.id,
      'source',
      (await store.connections.create({ vendor: 'hubspot', baseUrl: 'x', accountId: 'p1', credentials })).id,
    );
    await store.workspaces.setConnection(
      ws.id,
      'crm',
      (await store.connections.create({ vendor: 'salesforce', baseUrl: 'y', credentials })).id,
    );
    source.setContact('42', { email: 'ana@acme.io', jobtitle: 'VP Marketing', employees: 200 });
    source.addEvent({ id: 'm', contactId: '42', type: 'meeting_booked', at: new Date().toISOString() });
    const options = { store, registry, log: silentLogger, workspace: ws.name };

    const first = await runSync(options);
    expect(first).toMatchObject({ modelVersion: model.version, handedOff: 1, errors: [] });
    expect(source.stageOf('42')).toBe('salesqualifiedlead');
    expect(crm.leads.get('hubspot:p1:42')?.record.stage).toBe('salesqualifiedlead');

    crm.convertLead('hubspot:p1:42', { sales_status: 'converted', sales_opportunity: 'open' });
    await runSync(options);
    expect(source.stageOf('42')).toBe('opportunity');
  });
});
