/**
 * An idle portal costs O(1) calls per sync. After a sync writes stages back, the next scheduled sync
 * reads those writes back once (without re-qualifying them); every no-change sync after it makes at
 * most 3 contact searches, whatever the portal's size. Measured against the HubSpot sandbox over
 * real HTTP, on a clock that moves 15 minutes between syncs; the figures are printed.
 * IDLE_SYNC_CONTACTS=12000 measures the portal size (the default keeps CI short).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openTestStore, type TestStore } from '../helpers/db.ts';
import { callsSince, startWorld, type E2eWorld } from './helpers.ts';

const SEARCH = 'POST /crm/v3/objects/contacts/search';
const CONTACTS = Number(process.env.IDLE_SYNC_CONTACTS ?? 1_500);
const SCHEDULE_MS = 15 * 60_000;

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

describe(`an idle ${CONTACTS}-contact HubSpot portal`, () => {
  it('costs at most 3 contact searches per no-change sync', async () => {
    let offset = 0;
    const now = () => Date.now() + offset;
    world = await startWorld(t.store, CONTACTS, 7, now);
    const first = await world.sync();
    expect(first.pulled.contacts).toBe(CONTACTS);
    expect(first.writtenBack).toBeGreaterThan(0);
    const searches: number[] = [];
    for (let i = 0; i < 4; i++) {
      offset += SCHEDULE_MS;
      const before = world.sandbox.hubspot.stats().calls;
      const idle = await world.sync();
      const calls = callsSince(before, world.sandbox.hubspot.stats().calls);
      searches.push(calls[SEARCH] ?? 0);
      // Reading the run's own write-back is not a change: only contacts whose decision came due
      // with time (decay, windows) are re-qualified, and only they can be written.
      expect(idle.qualified).toBe(idle.due);
      expect(idle.writtenBack).toBeLessThanOrEqual(idle.due);
    }
    console.log(
      `idle ${CONTACTS}-contact portal: contact searches per sync after the first: ${searches.join(', ')} ` +
        '(the first reads the previous write-back once)',
    );
    for (const n of searches.slice(1)) expect(n).toBeLessThanOrEqual(3);
  }, 1_800_000);
});

describe('an optional engagement stream that keeps failing', () => {
  it.each([404, 503])(
    'is skipped with a warning on %s, keeps its cursor, and contacts still sync',
    async (status) => {
      world = await startWorld(t.store, 60);
      const first = await world.sync();
      const owner = { kind: 'workspace' as const, id: world.workspaceId };
      const cursorBefore = await t.store.cursors.get(owner, 'engagement');
      expect(cursorBefore?.['email:CLICK']).toBeTypeOf('number');
      world.sandbox.hubspot.updateContact('1001', { jobtitle: 'Chief Revenue Officer' }, Date.now());
      // Every attempt at the email events answers the failure (more than the client's retries).
      world.sandbox.hubspot.failNext('GET /email/public/v1/events', status, 50);
      const second = await world.sync();
      expect(second.warnings.length).toBeGreaterThan(0);
      expect(second.warnings[0]).toMatch(/^hubspot engagement email:\w+ skipped: /);
      expect(second.pulled.contacts).toBeGreaterThanOrEqual(1);
      const [run] = await t.store.runs.list(world.workspaceId);
      expect(run).toMatchObject({ status: 'succeeded', counts: { warnings: second.warnings } });
      const cursorAfter = await t.store.cursors.get(owner, 'engagement');
      // The failed streams did not move; the web events stream did.
      expect(cursorAfter?.['email:CLICK']).toBe(cursorBefore?.['email:CLICK']);
      expect(first.warnings).toStrictEqual([]);
    },
    120_000,
  );
});
