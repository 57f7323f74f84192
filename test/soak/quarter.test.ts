/**
 * The short simulated quarter (test/soak/quarter.ts): 90 days of daily syncs against the sandboxes
 * with contacts, engagement, sales, merges, erasures and a model change arriving, reconciled after every
 * sync. SOAK_DAYS, SOAK_CONTACTS and SOAK_MAUTIC_CONTACTS size it (.env.example); `npm run soak` runs the long one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTestStore, type TestStore } from '../helpers/db.ts';
import { runQuarter } from './quarter.ts';

const DAYS = Number(process.env.SOAK_DAYS ?? 90);
const CONTACTS = Number(process.env.SOAK_CONTACTS ?? 80);
/** Fewer in Mautic: its sandbox pages activity per event type, so each of its syncs costs more. */
const MAUTIC_CONTACTS = Number(process.env.SOAK_MAUTIC_CONTACTS ?? 40);

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore('postgres');
});
afterAll(async () => {
  await t.cleanup();
});

describe(`a simulated quarter (${DAYS} days, ${CONTACTS} HubSpot and ${MAUTIC_CONTACTS} Mautic contacts)`, () => {
  it('keeps every invariant after every scheduled sync', async () => {
    const result = await runQuarter({
      store: t.store,
      days: DAYS,
      contacts: CONTACTS,
      mauticContacts: MAUTIC_CONTACTS,
    });
    expect(result.syncs).toBe(DAYS);
    // The quarter did something: handoffs happened, merges were applied, people were erased, and
    // at least one of them had an unconverted Lead for the erasure to delete.
    expect(result.handedOff).toBeGreaterThan(0);
    expect(result.merges).toBeGreaterThan(0);
    expect(result.erasures).toBeGreaterThan(0);
    expect(result.leadsDeleted).toBeGreaterThan(0);
    // The Mautic workspace handed off too, met faults, and was checked idle (every 15 days).
    const mautic = result.bySource.mautic;
    expect(mautic?.handedOff).toBeGreaterThan(0);
    expect(mautic?.faults).toBeGreaterThan(0);
    expect(mautic?.idleCalls.length).toBe(2 * Math.floor(DAYS / 15));
    expect(result.violations).toStrictEqual([]);
  }, 900_000);
});
