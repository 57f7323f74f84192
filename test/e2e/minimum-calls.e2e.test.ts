/**
 * The run summary's minimum API calls are a true lower bound: on every run — a first sync, an idle
 * one, one whose requests are retried after 429 and 5xx, a dry run and a full sync — each vendor's
 * calls are at least its minimum, which is the sum of its streams' minimums (each stream read at
 * least one page, else ceil(records / the documented page size)). Against the HubSpot, Mautic and
 * Salesforce sandboxes over HTTP. Expected per-stream figures below are counted by hand from the
 * default mappings (mappings/hubspot.yaml, mappings/mautic.yaml) and page sizes.
 *
 * The calls made are counted per stream too (each connector's `streamOf` maps its endpoints to the
 * streams of its minimum): every stream's calls are at least its own minimum, and a vendor's
 * streams (with `other`, the calls of no stream) add up to its total.
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
    const made = s.apiCallsByStream[vendor] ?? {};
    for (const [stream, m] of Object.entries(streamsOf(s, vendor))) {
      expect(made[stream] ?? 0, `${label}: ${vendor} ${stream} calls vs minimum ${m}`).toBeGreaterThanOrEqual(
        m,
      );
    }
    // Only streams of the minimum, or `other`, are counted.
    for (const stream of Object.keys(made)) {
      expect([...Object.keys(streamsOf(s, vendor)), 'other'], `${label}: ${vendor} ${stream}`).toContain(
        stream,
      );
    }
  }
  // No call is dropped: each vendor's streams add up to its total.
  for (const [vendor, total] of Object.entries(s.apiCalls)) {
    const made = Object.values(s.apiCallsByStream[vendor] ?? {});
    expect(
      made.reduce((sum, n) => sum + n, 0),
      `${label}: ${vendor} calls per stream`,
    ).toBe(total);
  }
}

/**
 * Salesforce on an idle sync: two describes (Lead, Contact); the outcome queries of Leads and of
 * Opportunities, whose cursor overlap re-reads the last outcomes, so the re-read Opportunities'
 * external ids are looked up too, through converted Leads and then their Contacts: four queries.
 */
const IDLE_SALESFORCE = { schema: 2, sales_outcomes: 4 };

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
    // The sandbox's search limit is per wall-clock second and each sync starts a fresh limiter: a
    // second apart, no search of the last sync can push this one's into a 429 and a retry.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const idle = await world.sync();
    runs.push(['idle', idle]);
    // Idle: one search, one page per email type the default preset (hubspot-lifecycle) reads of
    // the mapping's (OPEN and CLICK; it reads no email_bounce, and the mapping has no unsubscribe)
    // and per web type (visited page, submitted form), one meeting search, the properties read;
    // Salesforce describes Lead and Contact and queries Leads and Opportunities once each.
    expect(streamsOf(idle, 'hubspot')).toMatchObject({
      contacts: 1,
      'engagement email': 2,
      'engagement web': 2,
      'engagement meetings': 1,
      schema: 1,
    });
    expect(streamsOf(idle, 'salesforce')).toMatchObject({ schema: 2, sales_outcomes: 2 });
    // The calls made idle are those same minimums, stream by stream, plus the token refresh (the
    // sandbox's access tokens live 30 minutes, and 30 have passed since the first sync's) under
    // `other`; and Salesforce's re-read outcomes (see below).
    expect(idle.apiCallsByStream.hubspot).toEqual({
      contacts: 1,
      'engagement email': 2,
      'engagement web': 2,
      'engagement meetings': 1,
      schema: 1,
      other: 1,
    });
    expect(idle.apiCallsByStream.salesforce).toEqual(IDLE_SALESFORCE);
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
    // Ten minutes apart (more than the contact cursor's 300 s overlap), so the five syncs stay within
    // the first access token's hour. The first sync's write-back is read once (three pages of 200);
    // the sync after that is idle.
    clock += 15 * 60_000;
    const afterWrite = await world.sync();
    runs.push(['after the write-back', afterWrite]);
    expect(afterWrite.apiCallsByStream.mautic?.contacts).toBe(3);
    clock += 15 * 60_000;
    const idle = await world.sync();
    runs.push(['idle', idle]);
    // Idle: one contacts page, one activity page, the stage and field lists.
    expect(idle.apiCallsByStream.mautic).toEqual({ contacts: 1, engagement: 1, schema: 2 });
    expect(idle.apiCallsByStream.salesforce).toEqual(IDLE_SALESFORCE);
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
