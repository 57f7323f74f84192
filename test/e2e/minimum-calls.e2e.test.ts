/**
 * The run summary's minimum API calls are a true lower bound: on every run — a first sync, an idle
 * one, one whose requests are retried after 429 and 5xx, a dry run and a full sync — each vendor's
 * calls are at least its minimum, which is the sum of its streams' minimums (each stream read at
 * least one page, else ceil(records / the documented page size)). Against the HubSpot, Mautic and
 * Salesforce sandboxes over HTTP. Expected per-stream figures below are counted by hand from the
 * default mappings (mappings/hubspot.yaml, mappings/mautic.yaml) and page sizes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { SyncSummary } from '../../src/pipeline/index.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { startMauticWorld, startWorld, type E2eWorld } from './helpers.ts';

let t: TestStore;
let world: E2eWorld | undefined;
let clock = Date.parse('2026-11-26T12:00:00Z');
const now = () => clock;

beforeEach(async () => {
  t = await openTestStore('postgres');
  clock = Date.parse('2026-11-26T12:00:00Z');
});

afterEach(async () => {
  await world?.sandbox.close();
  world = undefined;
  await t.cleanup();
});

/** Actual ≥ minimum for every vendor, and the minimum is what its streams add up to. */
function expectLowerBound(s: SyncSummary, label: string): void {
  for (const [vendor, min] of Object.entries(s.minimumApiCalls)) {
    const streams = Object.entries(s.minimumApiCallsByStream).filter(([k]) => k.startsWith(`${vendor} `));
    expect(
      streams.reduce((sum, [, n]) => sum + n, 0),
      `${label}: ${vendor} streams`,
    ).toBe(min);
    expect(s.apiCalls[vendor] ?? 0, `${label}: ${vendor} calls vs minimum ${min}`).toBeGreaterThanOrEqual(
      min,
    );
  }
}

function streamsOf(s: SyncSummary, vendor: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(s.minimumApiCallsByStream)
      .filter(([k]) => k.startsWith(`${vendor} `))
      .map(([k, n]) => [k.slice(vendor.length + 1), n]),
  );
}

describe('when a HubSpot workspace syncs into Salesforce', () => {
  it('should never make fewer calls than its minimum, idle, retried, dry or full', async () => {
    world = await startWorld(t.store, 450, 7, now);
    const runs: [string, SyncSummary][] = [['first', await world.sync()]];
    // The first sync's write-back is read once; the sync after that is idle.
    clock += 15 * 60_000;
    runs.push(['after the write-back', await world.sync()]);
    clock += 15 * 60_000;
    const idle = await world.sync();
    runs.push(['idle', idle]);
    // Idle: one search, one page per email type the model reads (OPEN, CLICK: the preset scores no
    // bounce) and web type (visited page, submitted form), one meeting search, the properties read;
    // Salesforce describes Lead and Contact and queries Leads and Opportunities once each.
    expect(streamsOf(idle, 'hubspot')).toMatchObject({
      contacts: 1,
      'engagement email': 2,
      'engagement web': 2,
      'engagement meetings': 1,
      schema: 1,
    });
    expect(streamsOf(idle, 'salesforce')).toMatchObject({ schema: 2, sales_outcomes: 2 });
    clock += 15 * 60_000;
    world.sandbox.hubspot.failNext('POST /crm/v3/objects/contacts/search', 429, 2);
    world.sandbox.hubspot.failNext('GET /email/public/v1/events', 503, 1);
    runs.push(['retried', await world.sync()]);
    clock += 15 * 60_000;
    const dry = await world.sync({ dryRun: true });
    runs.push(['dry run', dry]);
    expect(streamsOf(dry, 'hubspot').write_back).toBe(0);
    expect(streamsOf(dry, 'salesforce').handoff).toBe(0);
    runs.push(['full', await world.sync({ full: true })]);
    // 450 contacts in searches of 200: three pages.
    expect(streamsOf(runs.at(-1)![1], 'hubspot').contacts).toBe(3);
    for (const [label, s] of runs) expectLowerBound(s, label);
  }, 300_000);
});

describe('when a Mautic workspace syncs into Salesforce', () => {
  it('should never make fewer calls than its minimum, idle, retried, dry or full', async () => {
    world = await startMauticWorld(t.store, 450, now);
    const first = await world.sync();
    // 450 contacts in pages of 200: three pages; the stage and field lists of ensureSchema.
    expect(streamsOf(first, 'mautic')).toMatchObject({ contacts: 3, schema: 2 });
    const runs: [string, SyncSummary][] = [['first', first]];
    clock += 15 * 60_000;
    runs.push(['idle', await world.sync()]);
    clock += 15 * 60_000;
    world.sandbox.mautic.failNext({ endpoint: 'GET /api/contacts', status: 503, times: 2 });
    world.sandbox.mautic.failNext({ endpoint: 'GET /api/contacts/activity', status: 429, times: 1 });
    runs.push(['retried', await world.sync()]);
    clock += 15 * 60_000;
    const dry = await world.sync({ dryRun: true });
    runs.push(['dry run', dry]);
    // Schemas are only learnt in a dry run: no stage or field list is read for creating.
    expect(streamsOf(dry, 'mautic')).toMatchObject({ schema: 0, write_back: 0 });
    runs.push(['full', await world.sync({ full: true })]);
    for (const [label, s] of runs) expectLowerBound(s, label);
  }, 300_000);
});
