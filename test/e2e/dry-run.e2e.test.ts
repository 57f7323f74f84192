/**
 * `sync --dry-run` predicts `sync`: for the same store and the same sandboxes, the dry run reports
 * the stage moves, write-backs and handoffs the real run then makes, and changes nothing (every
 * table of the store and every record of both sandboxes as before). Over real HTTP against the
 * HubSpot and Salesforce sandboxes, after sales worked the handed-off leads, after time moved past
 * decay and windows, and after a model change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Store } from '../../src/store/index.ts';
import { loadModel } from '../../src/qualification/index.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { startWorld, type E2eWorld } from './helpers.ts';
import type { SyncSummary } from '../../src/pipeline/index.ts';

const DAY = 86_400_000;

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
 * Every row of every table of the store, in a stable order. A connection's credentials are left
 * out: a token the vendor refreshed during the dry run is kept (Mautic rotates refresh tokens).
 */
async function dumpStore(store: Store): Promise<Record<string, string[]>> {
  const { rows: tables } = await store.db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    const row =
      name === 'connections' ? 'ROW(t.id, t.vendor, t.account_id, t.base_url, t.status, t.config)' : 't';
    const { rows } = await store.db.query<{ r: string }>(
      `SELECT ${row}::text AS r FROM "${name}" t ORDER BY 1`,
    );
    out[name] = rows.map((r) => r.r);
  }
  return out;
}

/** What the sandboxes hold: HubSpot contacts and property definitions, Salesforce records. */
function dumpSandboxes(w: E2eWorld): string {
  const portal = w.sandbox.hubspot.portal;
  const sf = w.sandbox.salesforce;
  return JSON.stringify({
    contacts: [...portal.contacts.values()],
    properties: [...portal.properties.values()],
    records: (['Lead', 'Contact', 'Account', 'Opportunity'] as const).map((type) => sf.records(type)),
  });
}

/** What a run does, as the summary counts it. */
function did(s: SyncSummary) {
  return {
    due: s.due,
    stageChanges: s.stageChanges,
    writtenBack: s.writtenBack,
    handedOff: s.handedOff,
    crmCreated: s.crmCreated,
    pulled: { contacts: s.pulled.contacts, events: s.pulled.events, newEvents: s.pulled.newEvents },
  };
}

async function expectDryRunPredictsRun(w: E2eWorld): Promise<SyncSummary> {
  const storeBefore = await dumpStore(t.store);
  const sandboxBefore = dumpSandboxes(w);
  const dry = await w.sync({ dryRun: true });
  expect(await dumpStore(t.store)).toStrictEqual(storeBefore);
  expect(dumpSandboxes(w)).toBe(sandboxBefore);
  expect(dry.runId).toBeNull();
  // Withheld writes made no call, so the dry run's minimum counts none of them (a first handoff's
  // existence query included): it stays a lower bound of the calls the dry run made.
  expect(dry.minimumApiCallsByStream['salesforce existence'] ?? 0).toBe(0);
  for (const [vendor, min] of Object.entries(dry.minimumApiCalls)) {
    expect(dry.apiCalls[vendor] ?? 0, `dry run: ${vendor} calls`).toBeGreaterThanOrEqual(min);
  }

  const real = await w.sync();
  expect(did(dry)).toStrictEqual(did(real));
  // The one thing a dry run cannot see: the real run reads back the CRM records its own handoff
  // just created or updated (they exist only once sent), and re-qualifies those with new facts.
  // (A record sales also touched since the last run is read by both.)
  expect(real.pulled.salesOutcomes).toBeGreaterThanOrEqual(dry.pulled.salesOutcomes);
  expect(real.pulled.salesOutcomes).toBeLessThanOrEqual(dry.pulled.salesOutcomes + real.handedOff);
  expect(real.qualified).toBeGreaterThanOrEqual(dry.qualified);
  expect(real.qualified).toBeLessThanOrEqual(dry.qualified + real.handedOff);
  // The preview counts contacts: each written or handed off once however often a run touched it.
  expect(dry.preview).toMatchObject({ wouldWriteBack: real.writtenBack, wouldHandOff: real.handedOff });
  return real;
}

describe('a dry run on the sandboxes', () => {
  it('reports what the run then does, and changes nothing, through sales work, time and a model change', async () => {
    let clock = Date.parse('2026-06-01T09:00:00.000Z');
    const now = () => clock;
    world = await startWorld(t.store, 300, 11, now);

    // First sync: nothing stored yet, everything to qualify, write back and hand off.
    const first = await expectDryRunPredictsRun(world);
    expect(first.pulled.contacts).toBe(300);
    expect(first.writtenBack).toBeGreaterThan(0);
    expect(first.handedOff).toBeGreaterThan(0);
    expect(first.crmCreated).toBe(first.handedOff);

    // Sales work half the handed-off leads (status, conversion, won deals): outcomes come back.
    clock += DAY;
    const played = world.sandbox.salesforce.sales.playSales(0.6, 5);
    expect(played.acted.length).toBeGreaterThan(0);
    world.sandbox.hubspot.addContact({ email: 'new.person@initech.example', jobtitle: 'VP Marketing' });
    const second = await expectDryRunPredictsRun(world);
    expect(second.pulled.salesOutcomes).toBeGreaterThan(0);
    expect(Object.keys(second.stageChanges).length).toBeGreaterThan(0);

    // Four months on: decay and windows move contacts with no new data.
    clock += 120 * DAY;
    const third = await expectDryRunPredictsRun(world);
    expect(third.due).toBeGreaterThan(0);
    expect(third.writtenBack).toBeGreaterThan(0);

    // A model change: every contact is re-qualified by the new model.
    const { source, model } = await loadModel('preset:four-stage');
    await t.store.workspaces.setModel(world.workspaceId, {
      text: source.text,
      ref: source.ref,
      version: model.version,
    });
    const fourth = await expectDryRunPredictsRun(world);
    expect(fourth.requalifiedAll).toBe(true);
    expect(fourth.qualified).toBeGreaterThanOrEqual(301);
  }, 600_000);
});
