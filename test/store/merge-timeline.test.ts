/**
 * A merge leaves the survivor with one timeline: the merged-away contact's stays in stages the
 * survivor never entered move over, but only for time the survivor's own stays leave free.
 * Timelines are written by hand, in days from an epoch; expected values are worked out by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Store } from '../../src/store/index.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/db.ts';

const EPOCH = Date.parse('2026-01-05T00:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number) => new Date(EPOCH + n * DAY);
/** A stay: stage, entered day, exited day (null while open). */
type Stay = [string, number, number | null];
let seq = 0;

describe.each(BACKENDS)('merged stage history on %s', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend);
    store = t.store;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  /** A workspace holding contacts `a` (survivor) and `b` (merged away) with these stays; `b` merged into `a` on day `at`. */
  async function merge(survivor: Stay[], merged: Stay[], at: number): Promise<Stay[]> {
    const ws = await store.workspaces.create({
      name: `merge-${Date.now().toString(36)}-${seq++}`,
      sourceVendor: 'hubspot',
      crmVendor: 'salesforce',
      model: { text: 'name: t', ref: 'preset:t', version: 'v1' },
    });
    for (const [id, stays] of [
      ['a', survivor],
      ['b', merged],
    ] as const) {
      await store.db.query('INSERT INTO contacts (workspace_id, contact_id) VALUES ($1, $2)', [ws.id, id]);
      for (const [stage, from, to] of stays) {
        await store.db.query(
          'INSERT INTO stage_history (workspace_id, contact_id, stage, entered_at, exited_at) VALUES ($1, $2, $3, $4, $5)',
          [ws.id, id, stage, day(from), to === null ? null : day(to)],
        );
      }
    }
    await store.merges.merge(ws.id, 'a', ['b'], day(at));
    const rows = await store.decisions.stays(ws.id);
    expect(new Set(rows.map((r) => r.contactId))).toStrictEqual(new Set(['a']));
    return rows.map((r) => [
      r.stage,
      (Date.parse(r.enteredAt) - EPOCH) / DAY,
      r.exitedAt === null ? null : (Date.parse(r.exitedAt) - EPOCH) / DAY,
    ]);
  }

  /** Pairs of stays sharing time (a zero-length stay shares none). */
  function overlaps(stays: Stay[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < stays.length; i++) {
      for (let j = i + 1; j < stays.length; j++) {
        const [s1, a1, b1] = stays[i]!;
        const [s2, a2, b2] = stays[j]!;
        if (Math.max(a1, a2) < Math.min(b1 ?? Infinity, b2 ?? Infinity)) out.push(`${s1}/${s2}`);
      }
    }
    return out;
  }

  it('should keep a stage the survivor never entered, clipped to end where the survivor was already elsewhere', async () => {
    // b was a subscriber from day 0 and an MQL from day 5 (still open); a became a lead on day 20.
    // b's MQL is closed by the merge on day 30, then clipped to end on day 20.
    const stays = await merge(
      [['lead', 20, null]],
      [
        ['subscriber', 0, 5],
        ['mql', 5, null],
      ],
      30,
    );
    expect(stays).toStrictEqual([
      ['subscriber', 0, 5],
      ['mql', 5, 20],
      ['lead', 20, null],
    ]);
    expect(overlaps(stays)).toStrictEqual([]);
  });

  it('should clip a stay that runs into the survivor’s and drop one in a stage both entered', async () => {
    // a: lead 10–15, MQL from 15. b: subscriber 0–12, lead 12–14, SQL from 14 (closed at the merge, day 20).
    // b's lead goes (a has one); subscriber keeps 0–10; SQL 14–20 lies inside a's MQL: reached, no time.
    const stays = await merge(
      [
        ['lead', 10, 15],
        ['mql', 15, null],
      ],
      [
        ['subscriber', 0, 12],
        ['lead', 12, 14],
        ['sql', 14, null],
      ],
      20,
    );
    expect(stays).toStrictEqual([
      ['subscriber', 0, 10],
      ['lead', 10, 15],
      ['sql', 14, 14],
      ['mql', 15, null],
    ]);
    expect(overlaps(stays)).toStrictEqual([]);
    // Days counted per stage: 10 + 5 + 0, and the open MQL from day 15; nothing twice.
  });

  it('should start a stay that begins inside the survivor’s where the survivor’s ends', async () => {
    // a: subscriber 0–4, lead 4–6, MQL from 9 (a gap 6–9 where a was not in the store). b: SQL 5–12.
    // SQL begins inside a's lead, so starts at 6, and ends where a's MQL begins: 6–9.
    const stays = await merge(
      [
        ['subscriber', 0, 4],
        ['lead', 4, 6],
        ['mql', 9, null],
      ],
      [['sql', 5, 12]],
      20,
    );
    expect(stays).toStrictEqual([
      ['subscriber', 0, 4],
      ['lead', 4, 6],
      ['sql', 6, 9],
      ['mql', 9, null],
    ]);
  });

  it('should move the whole history, open stay included, to a survivor that has none', async () => {
    const stays = await merge(
      [],
      [
        ['subscriber', 0, 3],
        ['lead', 3, null],
      ],
      20,
    );
    expect(stays).toStrictEqual([
      ['subscriber', 0, 3],
      ['lead', 3, null],
    ]);
  });
});
