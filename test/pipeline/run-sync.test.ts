import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthError } from '../../src/errors.ts';
import type { Store } from '../../src/store/index.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/db.ts';
import { testModel } from '../helpers/model.ts';

import { createHarness, seedContacts } from './harness.ts';

const HOUR = 3_600_000;

describe.each(BACKENDS)('sync pipeline on %s', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend);
    store = t.store;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  describe('when a workspace syncs for the first time', () => {
    it('should qualify every contact, write the stages back and hand the SQL to the CRM', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      const summary = await h.run();
      expect(summary).toMatchObject({
        dryRun: false,
        requalifiedAll: true,
        pulled: { contacts: 5, events: 6, newEvents: 6, salesOutcomes: 0 },
        qualified: 5,
        stageChanges: { mql: 2, lead: 1, subscriber: 1, sql: 1 },
        writtenBack: 5,
        handedOff: 1,
        crmCreated: 1,
        errors: [],
      });
      expect(summary.apiCalls.hubspot).toBeGreaterThan(0);
      // Schema check, one upsert batch, one outcomes query.
      expect(summary.apiCalls.salesforce).toBe(3);
      expect(Object.fromEntries([...h.source.contacts].map(([id, c]) => [id, c.stage]))).toStrictEqual({
        c1: 'mql',
        c2: 'lead',
        c3: 'subscriber',
        c4: 'sql',
        c5: 'mql',
      });
      expect([...h.crm.leads.keys()]).toStrictEqual(['hubspot:portal-1:c4']);
      expect(h.crm.leads.get('hubspot:portal-1:c4')!.record).toMatchObject({
        sourceSystem: 'hubspot',
        sourceContactId: 'c4',
        stage: 'sql',
        properties: { email: 'c4@acme.io', fit: 20 },
      });
      const [run] = await store.runs.list(h.workspace.id);
      expect(run).toMatchObject({
        id: summary.runId,
        status: 'succeeded',
        counts: { qualified: 5, writtenBack: 5, handedOff: 1 },
      });
      expect((await store.workspaces.require(h.workspace.id)).qualifiedModelVersion).toBe('test-50');
    });

    it('should change nothing when run again with nothing new', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      h.clock.advance(HOUR);
      const writes = h.source.writes.length;
      const again = await h.run();
      expect(again).toMatchObject({
        qualified: 0,
        writtenBack: 0,
        handedOff: 0,
        stageChanges: {},
        errors: [],
      });
      expect(h.source.writes.length).toBe(writes);
      expect(h.crm.creates).toStrictEqual(['hubspot:portal-1:c4']);
    });

    it('should report progress per step', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      const steps = new Set<string>();
      await h.run({ onProgress: (p) => void steps.add(p.step) });
      const order = [...steps];
      expect(order.slice(0, 3)).toStrictEqual(['pull_contacts', 'pull_engagement', 'qualify']);
      // Write-back and handoff start together on the first qualified batch: either may report first.
      expect(order.slice(3, 5).sort()).toStrictEqual(['handoff', 'write_back']);
      expect(order.slice(5)).toStrictEqual(['sales_outcomes']);
    });

    it("should give the contact pull the source's total, and the event pull none", async () => {
      const h = await createHarness(store);
      seedContacts(h);
      const seen: { step: string; done: number; total?: number }[] = [];
      await h.run({ onProgress: (p) => void seen.push({ ...p }) });
      // 5 seeded contacts in pages of 2 (the fake source's page size): 2, 4, then 5 of 5.
      expect(seen.filter((p) => p.step === 'pull_contacts')).toStrictEqual([
        { step: 'pull_contacts', done: 0 },
        { step: 'pull_contacts', done: 2, total: 5 },
        { step: 'pull_contacts', done: 4, total: 5 },
        { step: 'pull_contacts', done: 5, total: 5 },
      ]);
      expect(seen.filter((p) => p.step === 'pull_engagement').every((p) => p.total === undefined)).toBe(true);
    });
  });

  describe('when only some contacts change', () => {
    it('should qualify only the touched contacts', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      h.clock.advance(HOUR);
      for (let i = 0; i < 4; i++) {
        h.source.addEvent({
          id: `c2-${i}`,
          contactId: 'c2',
          type: 'page_view',
          at: h.clock.now.toISOString(),
        });
      }
      const summary = await h.run();
      expect(summary).toMatchObject({
        qualified: 1,
        stageChanges: { mql: 1 },
        writtenBack: 1,
        pulled: { newEvents: 4 },
      });
      expect(h.source.stageOf('c2')).toBe('mql');
      expect((await store.decisions.history(h.workspace.id, 'c2')).map((s) => s.stage)).toStrictEqual([
        'lead',
        'mql',
      ]);
    });

    it('should pick up a change the vendor indexed late, inside the overlap window', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      h.clock.advance(HOUR);
      // Changed 5 minutes before the last position, but only visible in the index now.
      const cursor = await store.cursors.get({ kind: 'workspace', id: h.workspace.id }, 'contacts');
      const late = new Date(Date.parse(String(cursor!.updatedAfter)) - 5 * 60_000).toISOString();
      h.source.setContact('c3', { email: 'c3@acme.io', fit: 0 }, { updatedAt: late, stage: 'subscriber' });
      const summary = await h.run();
      expect(summary.stageChanges).toStrictEqual({ lead: 1 });
      expect(h.source.stageOf('c3')).toBe('lead');
    });
  });

  describe('when sales works a handed-off lead', () => {
    it('should apply the sales-owned stages and follow the converted record', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      h.clock.advance(HOUR);
      h.crm.convertLead('hubspot:portal-1:c4', {
        sales_status: 'converted',
        sales_opportunity: 'open',
        unrelated: 'x',
      });
      const summary = await h.run();
      expect(summary).toMatchObject({
        pulled: { salesOutcomes: 1 },
        stageChanges: { opportunity: 1 },
        handedOff: 1,
        errors: [],
      });
      expect(h.source.stageOf('c4')).toBe('opportunity');
      const contact = [...h.crm.contacts.values()][0]!;
      expect(contact.record.stage).toBe('opportunity');
      expect(h.crm.creates).toStrictEqual(['hubspot:portal-1:c4']);
      expect((await store.contacts.get(h.workspace.id, 'c4'))!.salesFacts).toStrictEqual({
        sales_status: 'converted',
        sales_opportunity: 'open',
      });
      expect(await store.links.get(h.workspace.id, 'c4')).toMatchObject({
        convertedContactId: contact.crmId,
        handedStage: 'opportunity',
      });

      h.clock.advance(HOUR);
      h.crm.outcomes.push({
        externalId: null,
        crmObject: 'Opportunity',
        crmId: h.crm.leads.get('hubspot:portal-1:c4')!.convertedOpportunityId!,
        facts: { sales_opportunity: 'won', sales_amount: 12000 },
        modifiedAt: h.clock.now.toISOString(),
      });
      await h.run();
      expect(h.source.stageOf('c4')).toBe('customer');
      expect((await store.decisions.history(h.workspace.id, 'c4')).map((s) => s.stage)).toStrictEqual([
        'sql',
        'opportunity',
        'customer',
      ]);
    });

    it('should follow an opportunity read in the same page as the conversion that names it', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      h.clock.advance(HOUR);
      h.crm.convertLead('hubspot:portal-1:c4', { sales_status: 'converted', sales_opportunity: 'open' });
      // The opportunity carries no external id: only the conversion, earlier in the page, links it.
      h.crm.outcomes.push({
        externalId: null,
        crmObject: 'Opportunity',
        crmId: h.crm.leads.get('hubspot:portal-1:c4')!.convertedOpportunityId!,
        facts: { sales_opportunity: 'won' },
        modifiedAt: h.clock.now.toISOString(),
      });
      const summary = await h.run();
      expect(summary.pulled.salesOutcomes).toBe(2);
      expect(h.source.stageOf('c4')).toBe('customer');
    });

    it('should recycle a contact sales disqualified', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      h.clock.advance(HOUR);
      h.crm.setLeadFacts('hubspot:portal-1:c4', { sales_status: 'disqualified' });
      await h.run();
      expect(h.source.stageOf('c4')).toBe('lead');
      expect(h.source.writes.at(-1)).toMatchObject({
        contactId: 'c4',
        stage: 'lead',
        previousStage: 'sql',
        recycled: true,
      });
    });
  });

  describe('when the source rejects a record', () => {
    it('should record it, finish the run, retry it later and quarantine it after five tries', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      h.source.failures.reject('c2', { code: 'INVALID_EMAIL', message: 'Property values were not valid' });
      const first = await h.run();
      expect(first.writtenBack).toBe(4);
      expect(first.errors).toStrictEqual([
        {
          step: 'write_back',
          recordId: 'c2',
          code: 'INVALID_EMAIL',
          message: 'Property values were not valid',
          retryCount: 1,
          quarantined: false,
        },
      ]);
      for (let i = 2; i <= 5; i++) {
        h.clock.advance(HOUR);
        const run = await h.run();
        expect(run.errors.map((e) => [e.retryCount, e.quarantined])).toStrictEqual([[i, i === 5]]);
      }
      h.clock.advance(HOUR);
      const afterQuarantine = await h.run();
      expect(afterQuarantine.errors).toStrictEqual([]);
      // Quarantined: not sent again (five calls for five runs, none for the sixth).
      expect(h.source.failures.count('writeBack')).toBe(5);

      // The admin fixed the data and released it: it goes through and the error is gone.
      h.source.failures.clear();
      await store.recordErrors.release(h.workspace.id, 'write_back', 'c2');
      h.clock.advance(HOUR);
      expect((await h.run()).writtenBack).toBe(1);
      expect(h.source.stageOf('c2')).toBe('lead');
      expect(await store.recordErrors.list(h.workspace.id)).toStrictEqual([]);
    });

    it('should retry a record that failed once and clear its error on success', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      h.crm.failures.reject('hubspot:portal-1:c4', { code: 'UNABLE_TO_LOCK_ROW', retryable: true }, 1);
      const first = await h.run();
      expect(first.errors.map((e) => [e.step, e.recordId, e.code])).toStrictEqual([
        ['handoff', 'c4', 'UNABLE_TO_LOCK_ROW'],
      ]);
      h.clock.advance(HOUR);
      const second = await h.run();
      expect(second).toMatchObject({ handedOff: 1, errors: [] });
      expect(await store.recordErrors.list(h.workspace.id)).toStrictEqual([]);
    });
  });

  describe('when the model changes', () => {
    it('should re-qualify every contact once with the new version', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      h.source.setContact('c6', { email: 'c6@acme.io', fit: 40 });
      await h.run();
      h.clock.advance(HOUR);
      await h.setModel(testModel({ mqlThreshold: 30 }));
      const summary = await h.run();
      expect(summary).toMatchObject({
        requalifiedAll: true,
        qualified: 6,
        stageChanges: { mql: 1 },
        writtenBack: 1,
      });
      expect(h.source.stageOf('c6')).toBe('mql');
      h.clock.advance(HOUR);
      expect(await h.run()).toMatchObject({ requalifiedAll: false, qualified: 0 });
      // Each run tells the vendors the current model's stages and score properties.
      expect(h.source.schemas).toHaveLength(3);
      expect(h.crm.schemas).toHaveLength(3);
      expect(h.source.schemas[1]).toStrictEqual({
        stages: ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'].map((key) => ({
          key,
          label: key.toUpperCase(),
        })),
        dimensions: ['fit', 'behavior'],
      });
    });
  });

  describe('when runs of one workspace overlap', () => {
    it('should refuse the second run while the first holds the workspace', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      let refusal: unknown;
      await h.run({
        checkpoint: async (after) => {
          if (after === 'pull_contacts') refusal = await h.run().catch((err: unknown) => err);
        },
      });
      expect(refusal).toBeInstanceOf(Error);
      expect((refusal as Error).message).toBe(`a sync of workspace "${h.workspace.name}" is already running`);
      h.clock.advance(HOUR);
      await expect(h.run()).resolves.toMatchObject({ errors: [] });
    });

    it('should mark a run its dead process left running as interrupted', async () => {
      const h = await createHarness(store);
      const dead = await store.runs.start(h.workspace.id, { startedAt: new Date('2026-03-01T00:00:00Z') });
      await h.run();
      expect(await store.runs.get(dead)).toMatchObject({
        status: 'failed',
        error: 'interrupted: the process running it stopped',
      });
    });
  });

  describe('when a connection needs a reconnect', () => {
    it('should fail the run with an auth error and record it', async () => {
      const h = await createHarness(store);
      await store.connections.markNeedsReconnect(h.workspace.sourceConnectionId!, 'refresh token expired');
      await expect(h.run()).rejects.toBeInstanceOf(AuthError);
      await expect(h.run()).rejects.toThrow(
        'the hubspot connection needs to be reconnected: refresh token expired',
      );
    });
  });

  describe('when a webhook asks to re-qualify contacts', () => {
    it('should fetch, qualify, write back and hand off only those contacts', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      const c1 = h.source.contacts.get('c1')!;
      c1.properties = { ...c1.properties, fit: 70 };
      const c2 = h.source.contacts.get('c2')!;
      c2.properties = { ...c2.properties, fit: 90 };
      h.source.addEvent({ id: 'm2', contactId: 'c2', type: 'meeting_booked', at: h.clock.now.toISOString() });
      h.clock.advance(60_000);
      const summary = await h.requalify(['c1']);
      expect(summary).toMatchObject({
        kind: 'requalify',
        qualified: 1,
        writtenBack: 1,
        handedOff: 0,
        stageChanges: {},
      });
      expect(h.source.fetched).toStrictEqual(['c1']);
      expect((await store.decisions.get(h.workspace.id, 'c1'))!.scores.total).toBe(70);
      expect((await store.decisions.get(h.workspace.id, 'c2'))!.scores.total).toBe(10);
      expect((await store.runs.list(h.workspace.id))[0]).toMatchObject({
        kind: 'requalify',
        status: 'succeeded',
      });
    });
  });
});
