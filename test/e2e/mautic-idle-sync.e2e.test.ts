/**
 * An idle Mautic instance costs O(1) calls per sync on any size: after a sync writes stages back,
 * the next sync reads that write-back once (without re-qualifying it), and every no-change sync
 * after it reads one contact page (the window holds nothing), whatever the instance's size.
 * Mautic's `GET /api/contacts` filters on `date_modified` with `where` and orders by id, so the
 * window is a query, not a walk (see connectors/mautic/contacts-stream.ts). Measured against the
 * Mautic sandbox over real HTTP, on a clock that moves 15 minutes between syncs; the figures are
 * printed. IDLE_SYNC_CONTACTS sets the instance size (default 2,000).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openTestStore, type TestStore } from '../helpers/db.ts';
import { callsSince, startMauticWorld, type E2eWorld } from './helpers.ts';

const LIST = 'GET /api/contacts';
const CONTACTS = Number(process.env.IDLE_SYNC_CONTACTS ?? 2_000);
const SCHEDULE_MS = 15 * 60_000;
/** The connector's default contact page size (connectors/mautic/config.ts). */
const PAGE = 200;

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

describe(`an idle ${CONTACTS}-contact Mautic instance`, () => {
  it('should read its own write-back once, then cost one contact page per no-change sync', async () => {
    let clock = Date.parse('2026-11-26T12:00:00Z');
    world = await startMauticWorld(t.store, CONTACTS, () => clock);
    const first = await world.sync();
    expect(first.pulled.contacts).toBe(CONTACTS);
    expect(first.writtenBack).toBeGreaterThan(0);
    const pages: number[] = [];
    const pulled: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock += SCHEDULE_MS;
      const before = world.sandbox.mautic.stats().calls;
      const idle = await world.sync();
      const calls = callsSince(before, world.sandbox.mautic.stats().calls);
      pages.push(calls[LIST] ?? 0);
      pulled.push(idle.pulled.contacts);
      // Reading the run's own write-back is not a change: only contacts due with time are qualified.
      expect(idle.qualified).toBe(idle.due);
      expect(idle.writtenBack).toBeLessThanOrEqual(idle.due);
    }
    console.log(
      `idle ${CONTACTS}-contact Mautic instance: contact list calls per sync after the first: ${pages.join(', ')}; ` +
        `contacts read: ${pulled.join(', ')} (the first reads the previous write-back of ${first.writtenBack} once)`,
    );
    // The write-back read once (pages of 200, the last one short), then the empty window alone.
    expect(pages[0]).toBeLessThanOrEqual(Math.floor(first.writtenBack / PAGE) + 1);
    expect(pages.slice(1)).toStrictEqual([1, 1, 1]);
    expect(pulled.slice(1)).toStrictEqual([0, 0, 0]);
  }, 900_000);
});
