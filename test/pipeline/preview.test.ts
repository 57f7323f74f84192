import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatPreview } from '../../src/cli/sync.ts';
import type { CompiledModel } from '../../src/model.ts';
import { previewModelChange } from '../../src/pipeline/index.ts';
import type { Store } from '../../src/store/index.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/db.ts';
import { testModel } from '../helpers/model.ts';

import { createHarness, type Harness, seedContacts } from './harness.ts';

const HOUR = 3_600_000;

/** Row counts of every table the store writes, for "wrote nothing" checks. */
async function tableCounts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [
    'workspaces',
    'connections',
    'cursors',
    'contacts',
    'engagement_events',
    'decisions',
    'stage_history',
    'crm_links',
    'sync_runs',
    'record_errors',
  ]) {
    const { rows } = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    out[table] = rows[0]!.n;
  }
  return out;
}

describe.each(BACKENDS)('previews on %s', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend);
    store = t.store;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  describe('when a sync runs with --dry-run', () => {
    it('should write nothing anywhere and predict what the real run then does', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      const before = await tableCounts(store);
      const dry = await h.run({ dryRun: true });
      expect(await tableCounts(store)).toStrictEqual(before);
      expect(h.source.writes).toStrictEqual([]);
      expect(h.crm.leads.size).toBe(0);
      expect(dry.runId).toBeNull();
      expect(dry.preview).toMatchObject({
        evaluated: 5,
        entering: { mql: 2, lead: 1, subscriber: 1, sql: 1 },
        leaving: {},
        wouldWriteBack: 5,
        wouldHandOff: 1,
      });
      expect(dry.preview!.samples).toContainEqual({
        contactId: 'c4',
        from: null,
        to: 'sql',
        summary: 'sql: total 30',
      });

      const real = await h.run();
      expect(real.stageChanges).toStrictEqual(dry.preview!.entering);
      expect(real.writtenBack).toBe(dry.preview!.wouldWriteBack);
      expect(real.handedOff).toBe(dry.preview!.wouldHandOff);
    });

    it('should preview engagement and sales outcomes not stored yet', async () => {
      const h = await createHarness(store);
      seedContacts(h);
      await h.run();
      h.clock.advance(HOUR);
      for (let i = 0; i < 4; i++) {
        h.source.addEvent({
          id: `pv${i}`,
          contactId: 'c2',
          type: 'page_view',
          at: h.clock.now.toISOString(),
        });
      }
      h.crm.convertLead('hubspot:portal-1:c4', { sales_opportunity: 'open' });
      const before = await tableCounts(store);
      const dry = await h.run({ dryRun: true });
      expect(await tableCounts(store)).toStrictEqual(before);
      expect(dry.preview!.moves).toStrictEqual([
        { from: 'lead', to: 'mql', count: 1 },
        { from: 'sql', to: 'opportunity', count: 1 },
      ]);
      expect(dry.preview).toMatchObject({ wouldWriteBack: 2, wouldHandOff: 1 });
      expect(h.source.stageOf('c2')).toBe('lead');
    });
  });

  describe('when a model change is previewed before saving', () => {
    async function workspaceWithSixContacts(): Promise<Harness> {
      const h = await createHarness(store);
      seedContacts(h);
      h.source.setContact('c6', { email: 'c6@acme.io', fit: 40 });
      await h.run();
      return h;
    }

    it('should count the contacts that would move and store nothing', async () => {
      const h = await workspaceWithSixContacts();
      const before = await tableCounts(store);
      const preview = await previewModelChange(store, h.workspace.name, testModel({ mqlThreshold: 30 }));
      expect(await tableCounts(store)).toStrictEqual(before);
      expect(preview).toMatchObject({
        evaluated: 6,
        moves: [{ from: 'lead', to: 'mql', count: 1 }],
        entering: { mql: 1 },
        leaving: { lead: 1 },
        held: {},
        wouldWriteBack: 1,
        wouldHandOff: 0,
      });
      expect((await store.workspaces.require(h.workspace.id)).model.version).toBe('test-50');
    });

    it('should tell contacts new to the CRM from handed-off ones whose scores change', async () => {
      const h = await workspaceWithSixContacts();
      // One more fit point for everyone: no stage moves, but c4 (handed off at sql) has new scores.
      const base = testModel({ version: 'test-plus-one' });
      const plusOne: CompiledModel = {
        ...base,
        qualify: (contact, at) => {
          const d = base.qualify(contact, at);
          return { ...d, scores: { ...d.scores, fit: d.scores.fit! + 1, total: d.scores.total! + 1 } };
        },
      };
      const preview = await previewModelChange(store, h.workspace.name, plusOne);
      expect(preview).toMatchObject({ moves: [], wouldHandOff: 1, wouldHandOffNew: 0 });
      expect(formatPreview(preview)).toContain(
        '  would hand off   1 (0 new to the CRM, 1 already there with a changed stage or scores)',
      );
    });

    it('should count contacts only held at a stage they no longer qualify for', async () => {
      const h = await workspaceWithSixContacts();
      const preview = await previewModelChange(store, h.workspace.name, testModel({ mqlThreshold: 65 }));
      expect(preview).toMatchObject({ moves: [], held: { mql: 2 }, wouldWriteBack: 0 });
    });
  });
});
