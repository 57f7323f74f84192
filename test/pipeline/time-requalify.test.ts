/**
 * Decay, windows and inactivity change outcomes with no new data: scheduled syncs re-qualify the
 * contacts whose decision is due, and only those. Expected instants come from the model's numbers
 * (half-lives, thresholds, windows), worked out by hand below, never from running the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileModelText } from '../../src/qualification/index.ts';
import type { Store } from '../../src/store/index.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

import { createHarness, START } from './harness.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

// 5 clicks of 10 points, half-life 30 days. Scores are kept to 2 decimals, so "below 20" starts when
// 50 · 0.5^(d/30) < 19.995, from d = 30 · log2(50 / 19.995) days (about 39.67).
const COOLING_MODEL = `
name: cooling
dimensions: [intent]
stages:
  - key: lead
  - key: mql
    requires: { score: intent, gte: 40 }
  - key: sql
    handoff: true
    requires: { event: meeting_booked }
scoring:
  - { id: clicks, dimension: intent, when: { event: email_click }, points: 10, decay: { halfLifeDays: 30 } }
  - { id: pricing, dimension: intent, when: { event: page_view, withinDays: 14 }, points: 40, max: 40 }
recycle:
  - { id: cooled, when: { score: intent, lt: 20 }, to: lead, from: [mql] }
`;
const COOLS_AFTER_MS = 30 * Math.log2(50 / 19.995) * DAY;

let t: TestStore;
let store: Store;
beforeAll(async () => {
  t = await openTestStore('postgres');
  store = t.store;
});
afterAll(async () => {
  await t.cleanup();
});

async function coolingHarness() {
  const h = await createHarness(store, { model: compileModelText(COOLING_MODEL, 'cooling.yaml') });
  h.source.setContact('hot', { email: 'hot@acme.io' });
  for (let i = 0; i < 5; i++) {
    h.source.addEvent({ id: `click${i}`, contactId: 'hot', type: 'email_click', at: START.toISOString() });
  }
  // Never changes with time: no events, so never due before the horizon.
  for (let i = 0; i < 20; i++) h.source.setContact(`quiet${i}`, { email: `q${i}@acme.io` });
  return h;
}

describe('time-based re-qualification', () => {
  it('recycles an MQL on the first sync after its decayed score crosses the recycle threshold, dated at the crossing', async () => {
    const h = await coolingHarness();
    const first = await h.run();
    expect(first.qualified).toBe(21);
    expect(h.source.stageOf('hot')).toBe('mql');

    // A day before the crossing: nothing changed but the score drifted more than a point; only the
    // cooling contact is looked at, and its new score is written back.
    h.clock.now = new Date(START.getTime() + COOLS_AFTER_MS - DAY);
    const before = await h.run();
    expect(before).toMatchObject({ qualified: 1, due: 1, stageChanges: {} });
    expect(h.source.stageOf('hot')).toBe('mql');
    const written = h.source.writes.filter((w) => w.contactId === 'hot').at(-1)!;
    expect(written.scores.intent).toBeCloseTo(50 * 0.5 ** ((COOLS_AFTER_MS - DAY) / (30 * DAY)), 1);

    // Four months on: the first sync after the crossing recycles it.
    h.clock.now = new Date(START.getTime() + 120 * DAY);
    const after = await h.run();
    expect(after).toMatchObject({ qualified: 1, due: 1, stageChanges: { lead: 1 } });
    expect(h.source.stageOf('hot')).toBe('lead');
    const history = await store.decisions.history(h.workspace.id, 'hot');
    expect(history.map((s) => s.stage)).toStrictEqual(['mql', 'lead']);
    const crossing = START.getTime() + COOLS_AFTER_MS;
    expect(Math.abs(Date.parse(history[1]!.enteredAt) - crossing)).toBeLessThanOrEqual(2 * MINUTE);
    expect(history[0]!.exitedAt).toBe(history[1]!.enteredAt);

    // Nothing is due any more (its score is 0.6 points from zero): idle syncs qualify nobody.
    h.clock.advance(DAY);
    expect(await h.run()).toMatchObject({ qualified: 0, due: 0, writtenBack: 0 });
  });

  it('does not rewrite a decaying score for a drift within the tolerance', async () => {
    const h = await coolingHarness();
    await h.run();
    const writes = h.source.writes.length;
    // 50 · (1 - 0.5^(d/30)) ≤ 1 point while d ≤ 30 · log2(50/49) ≈ 0.87 days.
    h.clock.advance(0.8 * DAY);
    expect(await h.run()).toMatchObject({ qualified: 0, writtenBack: 0 });
    expect(h.source.writes.length).toBe(writes);
    h.clock.advance(0.2 * DAY);
    expect(await h.run()).toMatchObject({ qualified: 1, due: 1, writtenBack: 1 });
  });

  it('drops a pricing visit out of its 14-day window on the first sync after the window closes', async () => {
    const h = await createHarness(store, { model: compileModelText(COOLING_MODEL, 'cooling.yaml') });
    h.source.setContact('visitor', { email: 'v@acme.io' });
    h.source.addEvent({ id: 'pv', contactId: 'visitor', type: 'page_view', at: START.toISOString() });
    await h.run();
    expect(h.source.stageOf('visitor')).toBe('mql');
    h.clock.now = new Date(START.getTime() + 14 * DAY - MINUTE);
    expect(await h.run()).toMatchObject({ qualified: 0 });
    h.clock.now = new Date(START.getTime() + 14 * DAY + 5 * MINUTE);
    expect(await h.run()).toMatchObject({ qualified: 1, due: 1, stageChanges: { lead: 1 } });
    const history = await store.decisions.history(h.workspace.id, 'visitor');
    expect(Math.abs(Date.parse(history[1]!.enteredAt) - (START.getTime() + 14 * DAY))).toBeLessThanOrEqual(
      2 * MINUTE,
    );
  });
});

describe('a run that fails on a network error', () => {
  it('names the step it failed in, in the error and in the run record', async () => {
    const h = await createHarness(store);
    h.source.setContact('a', { email: 'a@acme.io' });
    h.source.failures.failAt('pullEngagement', { error: new TypeError('fetch failed') });
    const failure = await h.run().catch((e: unknown) => e);
    expect((failure as Error).message).toBe('fetch failed (step pull_engagement)');
    const [run] = await store.runs.list(h.workspace.id);
    expect(run).toMatchObject({ status: 'failed', error: 'fetch failed (step pull_engagement)' });
  });
});

describe('one instant per decision', () => {
  it('counts an event that arrived while the run was pulling, instead of treating it as future', async () => {
    const h = await createHarness(store, { model: compileModelText(COOLING_MODEL, 'cooling.yaml') });
    h.source.setContact('late', { email: 'late@acme.io' });
    const summary = await h.run({
      checkpoint: (after) => {
        if (after !== 'start') return;
        // A pricing visit half a minute into the run, pulled by this run's pulls a minute in.
        h.clock.advance(MINUTE);
        const at = new Date(h.clock.now.getTime() - 30_000).toISOString();
        h.source.addEvent({ id: 'pv-late', contactId: 'late', type: 'page_view', at });
      },
    });
    expect(summary.pulled.newEvents).toBe(1);
    expect(h.source.stageOf('late')).toBe('mql');
  });

  it('re-qualifies a contact once our clock reaches an event the vendor dated in our future', async () => {
    const h = await createHarness(store, { model: compileModelText(COOLING_MODEL, 'cooling.yaml') });
    h.source.setContact('ahead', { email: 'ahead@acme.io' });
    // The vendor's clock runs an hour ahead of ours: its pricing view is dated in our future, so
    // the 14-day window (up to the decision time) does not hold it yet.
    h.source.addEvent({
      id: 'pricing1',
      contactId: 'ahead',
      type: 'page_view',
      at: new Date(START.getTime() + 60 * MINUTE).toISOString(),
    });
    const first = await h.run();
    expect(first.stageChanges).toStrictEqual({ lead: 1 });
    // Two hours on, nothing new: the view is inside the window now (40 points ≥ the MQL's 40).
    h.clock.now = new Date(START.getTime() + 120 * MINUTE);
    const second = await h.run();
    expect(second).toMatchObject({ qualified: 1, due: 1, stageChanges: { mql: 1 } });
    expect(h.source.stageOf('ahead')).toBe('mql');
  });
});
