/**
 * Reassignment on an SLA breach through the real HubSpot and Salesforce sandboxes, on one
 * controllable clock. The SQL stage gives sales 24 business hours (Monday–Friday 09:00–17:00 UTC).
 * Instants by hand from the calendar: 2026-03-06 is a Friday; an SQL handed off on Friday 16:00
 * has 1 hour that day, 8 on Monday the 9th, 8 on Tuesday the 10th and 7 on Wednesday the 11th: due
 * Wednesday 2026-03-11 16:00. New Leads go to Ava (round-robin of one); breached Leads are
 * reassigned round-robin over Ben, Ava, Cleo: the first takes Ben's turn, the second Ava's turn,
 * which skips Ava (she owns it already) for Cleo.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { builtinConnectors } from '../../connectors/builtin.ts';
import { SANDBOX_USERS } from '../../connectors/salesforce/sandbox/assignment.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { saveHandoffSettings } from '../../src/pipeline/handoff-settings.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { sqlSlaModel } from '../helpers/sla-model.ts';

import { modelWorkspace } from './helpers.ts';

const MODEL_TEXT = sqlSlaModel('reassign e2e');

let t: TestStore;
let sandbox: SandboxServer | undefined;
beforeAll(async () => {
  t = await openTestStore('postgres');
});
afterAll(async () => {
  await t.cleanup();
});
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('when an SQL breaches its SLA and the workspace reassigns', () => {
  it('should give the Lead the next owner in turn at the 24th business hour, once', async () => {
    let nowMs = Date.parse('2026-03-06T15:00:00.000Z');
    const now = () => nowMs;
    sandbox = await startSandboxServer({ port: 0, contacts: 0, seed: 5, now });
    const ws = await modelWorkspace(t.store, sandbox, {
      modelText: MODEL_TEXT,
      ref: 'reassign-e2e.yaml',
      namePrefix: 'reassign',
      now,
    });
    const { ava, ben, cleo } = SANDBOX_USERS;
    await saveHandoffSettings(
      t.store,
      ws,
      {
        owner: { mode: 'round_robin', users: [ava] },
        reassign: { mode: 'round_robin', users: [ben, ava, cleo] },
      },
      'test',
    );
    const registry = createRegistry(await builtinConnectors());
    const syncAt = (iso: string) => {
      nowMs = Date.parse(iso);
      return runSync({
        store: t.store,
        registry,
        limiter: new MemoryRateLimiter(),
        log: silentLogger,
        workspace: ws.id,
        now: () => new Date(nowMs),
      });
    };
    const hubspot = sandbox.hubspot;
    const salesforce = sandbox.salesforce;
    const c1 = hubspot.addContact({ email: 'c1@initech.example', lastname: 'One', bant_budget: 'approved' });
    const c2 = hubspot.addContact({ email: 'c2@initech.example', lastname: 'Two', bant_budget: 'approved' });
    const owners = () =>
      [c1, c2].map((id) => salesforce.sales.lead(`hubspot:sandbox:${id}`)?.OwnerId ?? null);

    const handed = await syncAt('2026-03-06T16:00:00.000Z');
    expect(handed.errors).toStrictEqual([]);
    expect(handed.handedOff).toBe(2);
    expect(owners()).toStrictEqual([ava, ava]);

    // A minute before the deadline nothing is breached or reassigned.
    const before = await syncAt('2026-03-11T15:59:00.000Z');
    expect(before).toMatchObject({ slaBreaches: 0, slaReassigned: 0 });
    expect(owners()).toStrictEqual([ava, ava]);

    const due = await syncAt('2026-03-11T16:00:00.000Z');
    expect(due).toMatchObject({ slaBreaches: 2, slaReassigned: 2, warnings: [] });
    expect(owners()).toStrictEqual([ben, cleo]);
    const links = await t.store.links.forContacts(ws.id, [c1, c2]);
    expect([links.get(c1)?.ownerId, links.get(c2)?.ownerId]).toStrictEqual([ben, cleo]);

    // A breach is reassigned once: later syncs leave the new owners alone.
    const later = await syncAt('2026-03-12T10:00:00.000Z');
    expect(later).toMatchObject({ slaBreaches: 0, slaReassigned: 0 });
    expect(owners()).toStrictEqual([ben, cleo]);
  });
});
