/**
 * Qualify, write back and hand off as one pipeline (steps/settle.ts): the vendors' write calls
 * start with the first committed batch, qualification runs at most a couple of batches ahead of
 * them, and a failure in one lane stops the others and names its step.
 */
import { describe, expect, it } from 'vitest';

import type { SyncProgress } from '../../src/pipeline/index.ts';
import { BACKENDS, useTestStore } from '../helpers/db.ts';

import { createHarness, type Harness } from './harness.ts';

const BATCH = { qualifyBatchSize: 2, writeBatchSize: 2, handoffBatchSize: 2 };

/** Twelve contacts that each book a meeting: every one changes stage, is written back and handed off. */
function seedMeetings(h: Harness, n = 12): void {
  for (let i = 0; i < n; i++) {
    const id = `p${String(i).padStart(2, '0')}`;
    h.source.setContact(id, { email: `${id}@acme.io`, fit: 20 });
    h.source.addEvent({ id: `m${i}`, contactId: id, type: 'meeting_booked', at: h.clock.now.toISOString() });
  }
}

describe.each(BACKENDS)('pipelined qualify, write-back and handoff on %s', (backend) => {
  const t = useTestStore(backend);

  it('writes back and hands off the first batches while later ones are still being qualified', async () => {
    const h = await createHarness(t.store);
    seedMeetings(h);
    const seen: string[] = [];
    const summary = await h.run({
      ...BATCH,
      onProgress: (p: SyncProgress) => {
        seen.push(`${p.step}:${p.done}`);
      },
    });
    expect(summary).toMatchObject({ qualified: 12, writtenBack: 12, handedOff: 12, errors: [] });
    const qualifiedAll = seen.indexOf('qualify:12');
    // Six batches of two, at most two buffered per lane: the first batch's write and handoff are
    // done before the last batch is qualified (sequential steps would start them after it).
    expect(seen.indexOf('write_back:2')).toBeGreaterThan(-1);
    expect(seen.indexOf('write_back:2')).toBeLessThan(qualifiedAll);
    expect(seen.indexOf('handoff:2')).toBeLessThan(qualifiedAll);
    // The counts run on across the batches, to the whole.
    for (const step of ['write_back', 'handoff']) {
      const counts = seen.filter((s) => s.startsWith(`${step}:`)).map((s) => Number(s.split(':')[1]));
      expect(counts).toStrictEqual([...counts].sort((a, b) => a - b));
      expect(counts.at(-1)).toBe(12);
    }
    expect(h.crm.creates).toHaveLength(12);
  });

  it('sends full vendor batches however the qualification cuts its batches', async () => {
    const h = await createHarness(t.store);
    seedMeetings(h);
    // Batches of 5 qualified, 4 per vendor call: 12 records are 3 calls each (5+5+2 would be 6).
    const summary = await h.run({ qualifyBatchSize: 5, writeBatchSize: 4, handoffBatchSize: 4 });
    expect(summary).toMatchObject({ writtenBack: 12, handedOff: 12, errors: [] });
    expect(h.source.failures.count('writeBack')).toBe(3);
    expect(h.crm.failures.count('handoff')).toBe(3);
  });

  it('stops qualifying when the write-back fails, names the step, and the rerun finishes the work', async () => {
    const h = await createHarness(t.store);
    seedMeetings(h, 20);
    h.source.failures.failAt('writeBack');
    const failure = await h.run(BATCH).catch((e: unknown) => e);
    expect((failure as Error).message).toBe('injected failure in writeBack (step write_back)');
    const [run] = await t.store.runs.list(h.workspace.id);
    expect(run).toMatchObject({ status: 'failed', error: 'injected failure in writeBack (step write_back)' });
    // Qualification stopped within a few batches of the failure instead of deciding all 20.
    const decided = await t.store.decisions.forContacts(h.workspace.id, [...h.source.contacts.keys()]);
    expect(decided.size).toBeLessThan(20);

    const rerun = await h.run(BATCH);
    expect(rerun.errors).toStrictEqual([]);
    expect(await t.store.decisions.countPendingWrites(h.workspace.id)).toBe(0);
    expect(h.crm.creates).toHaveLength(20);
    expect(new Set(h.crm.creates).size).toBe(20);
  });

  it('stops the write-back when the handoff fails', async () => {
    const h = await createHarness(t.store);
    seedMeetings(h, 20);
    h.crm.failures.failAt('handoff');
    const failure = await h.run(BATCH).catch((e: unknown) => e);
    expect((failure as Error).message).toBe('injected failure in handoff (step handoff)');
    // The qualification stopped, and the write-back after its batch in flight: not all 20 written.
    expect(h.source.writes.length).toBeLessThan(20);
    await expect(h.run(BATCH)).resolves.toMatchObject({ errors: [] });
    expect(h.source.stageOf('p19')).toBe('sql');
  });
});
