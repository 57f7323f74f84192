/**
 * A crash anywhere (between any two steps, mid-stream, or after a vendor applied a write whose answer
 * was lost) followed by a rerun must reach the same end state as an uninterrupted run: no duplicate
 * CRM record, no missed contact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FakeMethod } from '../../connectors/fake/index.ts';
import type { StepName } from '../../src/pipeline/index.ts';
import type { Store } from '../../src/store/index.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/db.ts';

import { createHarness, endState, type Harness, seedContacts } from './harness.ts';

type Crash =
  | { kind: 'between'; after: StepName | 'start' }
  | { kind: 'vendor'; method: FakeMethod; when?: 'before' | 'after'; onPage?: number };

const CRASHES: Crash[] = [
  { kind: 'between', after: 'start' },
  { kind: 'between', after: 'pull_contacts' },
  { kind: 'between', after: 'pull_engagement' },
  { kind: 'between', after: 'qualify' },
  { kind: 'between', after: 'write_back' },
  { kind: 'between', after: 'handoff' },
  { kind: 'between', after: 'sales_outcomes' },
  { kind: 'vendor', method: 'pullContacts', onPage: 2 },
  { kind: 'vendor', method: 'pullEngagement', onPage: 1 },
  { kind: 'vendor', method: 'writeBack', when: 'before' },
  { kind: 'vendor', method: 'writeBack', when: 'after' },
  { kind: 'vendor', method: 'handoff', when: 'before' },
  { kind: 'vendor', method: 'handoff', when: 'after' },
  { kind: 'vendor', method: 'pullSalesOutcomes', when: 'before' },
];

const label = (c: Crash) =>
  c.kind === 'between' ? `after ${c.after}` : `in ${c.method} ${c.onPage ? `page ${c.onPage}` : c.when}`;

/** Phase 1: first sync. Phase 2: sales converts the SQL, a lead gets engaged, a subscriber leaves an email. */
function phase(h: Harness, n: 1 | 2): void {
  if (n === 1) {
    seedContacts(h);
    return;
  }
  h.clock.advance(3_600_000);
  h.crm.convertLead('hubspot:portal-1:c4', { sales_status: 'converted', sales_opportunity: 'open' });
  for (let i = 0; i < 4; i++) {
    h.source.addEvent({ id: `pv${i}`, contactId: 'c2', type: 'page_view', at: h.clock.now.toISOString() });
  }
  h.source.setContact('c3', { email: 'c3@acme.io', fit: 0 }, { stage: 'subscriber' });
}

async function runWithCrash(h: Harness, crash: Crash): Promise<void> {
  if (crash.kind === 'vendor') {
    const system = crash.method === 'handoff' || crash.method === 'pullSalesOutcomes' ? h.crm : h.source;
    system.failures.failAt(crash.method, {
      when: crash.when ?? 'before',
      ...(crash.onPage ? { onPage: crash.onPage } : {}),
    });
    await expect(h.run()).rejects.toThrow(/injected failure/);
  } else {
    await expect(
      h.run({
        checkpoint: (after) => {
          if (after === crash.after) throw new Error(`crash after ${after}`);
        },
      }),
    ).rejects.toThrow(/crash after/);
  }
  await h.run();
}

describe.each(BACKENDS)('crash and resume on %s', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend);
    store = t.store;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  describe.each([1, 2] as const)('when the run of phase %i crashes', (crashPhase) => {
    it.each(CRASHES.map((c) => [label(c), c] as const))(
      'should end the same after a crash %s',
      async (_name, crash) => {
        const clean = await createHarness(store);
        const crashed = await createHarness(store);
        for (const n of [1, 2] as const) {
          phase(clean, n);
          phase(crashed, n);
          await clean.run();
          if (n === crashPhase) await runWithCrash(crashed, crash);
          else await crashed.run();
        }
        const expected = await endState(clean);
        expect(expected).toMatchObject({
          sourceStages: { c1: 'mql', c2: 'mql', c3: 'lead', c4: 'opportunity', c5: 'mql' },
          crmCreates: ['hubspot:portal-1:c4'],
          pendingWrites: 0,
          pendingQualification: [],
          recordErrors: [],
        });
        expect(await endState(crashed)).toStrictEqual(expected);
      },
    );
  });
});
