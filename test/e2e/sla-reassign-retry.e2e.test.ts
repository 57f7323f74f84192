/**
 * A reassignment the CRM refused is tried again by later syncs, through the real HubSpot and
 * Salesforce sandboxes on one controllable clock, on both store backends. The SQL stage gives sales
 * 24 business hours (Monday–Friday 09:00–17:00 UTC). Instants by hand from the calendar: 2026-03-06
 * is a Friday; an SQL handed off on Friday 16:00 has 1 hour that day, 8 on Monday the 9th, 8 on
 * Tuesday the 10th and 7 on Wednesday the 11th: due Wednesday 2026-03-11 16:00. Syncs after that
 * run every 15 minutes. New Leads go to Ava (a round-robin of one). A refusal is injected with the
 * sandbox's validation-rule fault on the Lead's external id, `hubspot:sandbox:<contact id>`.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { builtinConnectors } from '../../connectors/builtin.ts';
import { SANDBOX_USERS } from '../../connectors/salesforce/sandbox/assignment.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { workspaceModel } from '../../src/pipeline/engine.ts';
import { saveHandoffSettings, type HandoffChanges } from '../../src/pipeline/handoff-settings.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { REASSIGN_ROTATION } from '../../src/pipeline/steps/sla-reassign.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { renderSlaSection } from '../../src/server/pages/sla-section.ts';
import { loadSlaReport, reassignText, renderSlaText } from '../../src/sla/report.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/db.ts';
import { sqlSlaModel } from '../helpers/sla-model.ts';

import { modelWorkspace } from './helpers.ts';

const MODEL_TEXT = sqlSlaModel('reassign retry e2e');
/** The same, and a breached SQL goes back to lead in the run that finds the breach. */
const RECYCLING_TEXT = `${MODEL_TEXT}recycle:
  - { when: { property: sla_breached, equals: sql }, to: lead, from: [sql] }
`;

const HANDED = '2026-03-06T16:00:00.000Z';
const DUE = '2026-03-11T16:00:00.000Z';
/** Syncs 15, 30, … minutes after the deadline. */
const after = (minutes: number) => new Date(Date.parse(DUE) + minutes * 60_000).toISOString();
const REFUSAL = { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Owner locked', fields: [] };

const { ava, ben, cleo } = SANDBOX_USERS;

describe.each(BACKENDS)('on %s, when the CRM refuses an SLA reassignment', (backend) => {
  let t: TestStore | undefined;
  let sandbox: SandboxServer | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await t?.cleanup();
    t = undefined;
  });

  /** Two SQLs handed off to Ava on Friday 16:00; `syncAt` runs a sync at an instant. */
  async function world(modelText: string, reassign: HandoffChanges['reassign']) {
    t = await openTestStore(backend);
    const store = t.store;
    let nowMs = Date.parse('2026-03-06T15:00:00.000Z');
    const now = () => nowMs;
    sandbox = await startSandboxServer({ port: 0, contacts: 0, seed: 5, now });
    const ws = await modelWorkspace(store, sandbox, {
      modelText,
      ref: 'reassign-retry-e2e.yaml',
      namePrefix: 'reassign-retry',
      now,
    });
    await saveHandoffSettings(store, ws, { owner: { mode: 'round_robin', users: [ava] }, reassign }, 'test');
    const registry = createRegistry(await builtinConnectors());
    const syncAt = (iso: string) => {
      nowMs = Date.parse(iso);
      return runSync({
        store,
        registry,
        limiter: new MemoryRateLimiter(),
        log: silentLogger,
        workspace: ws.id,
        now: () => new Date(nowMs),
      });
    };
    const { hubspot, salesforce } = sandbox;
    const c1 = hubspot.addContact({ email: 'c1@initech.example', lastname: 'One', bant_budget: 'approved' });
    const c2 = hubspot.addContact({ email: 'c2@initech.example', lastname: 'Two', bant_budget: 'approved' });
    const external = (id: string) => `hubspot:sandbox:${id}`;
    const owners = () => [c1, c2].map((id) => salesforce.sales.lead(external(id))?.OwnerId ?? null);
    const handed = await syncAt(HANDED);
    expect(handed.errors).toStrictEqual([]);
    expect(handed.handedOff).toBe(2);
    expect(owners()).toStrictEqual([ava, ava]);
    const recordOf = (id: string) => String(salesforce.sales.lead(external(id))?.Id);
    /** What `leadstage sla`, the API and the dashboard say of each contact's reassignment. */
    const shown = async () => {
      const report = await loadSlaReport(
        store,
        await store.workspaces.require(ws.id),
        await workspaceModel(ws),
      );
      return [c1, c2].map((id) => reassignText(report.breaches.find((b) => b.contactId === id)!));
    };
    return { store, ws, syncAt, salesforce, c1, c2, external, owners, recordOf, shown };
  }

  it('should retry on the next sync, reassign once and take no second round-robin turn', async () => {
    const w = await world(MODEL_TEXT, { mode: 'round_robin', users: [ben, cleo] });
    w.salesforce.faults.rejectExternalId(w.external(w.c1), REFUSAL);

    // Two turns: c1 gets Ben's (refused), c2 Cleo's.
    const due = await w.syncAt(DUE);
    expect(due).toMatchObject({ slaBreaches: 2, slaReassigned: 1 });
    expect(due.warnings).toStrictEqual([
      `SLA reassignment of contact ${w.c1} (record ${w.recordOf(w.c1)}) refused: FIELD_CUSTOM_VALIDATION_EXCEPTION; tried again on the next sync (attempt 1 of 5)`,
    ]);
    expect(w.owners()).toStrictEqual([ava, cleo]);
    expect(await w.shown()).toStrictEqual([
      `reassignment to ${ben} pending after 1 failed attempt (FIELD_CUSTOM_VALIDATION_EXCEPTION: Owner locked)`,
      `reassigned to ${cleo} ${DUE}`,
    ]);
    // The terminal's lines and the dashboard's table say the same.
    const ws = await w.store.workspaces.require(w.ws.id);
    const text = renderSlaText(await loadSlaReport(w.store, ws, await workspaceModel(ws)));
    expect(text).toContain(
      `webhook not sent; reassignment to ${ben} pending after 1 failed attempt (FIELD_CUSTOM_VALIDATION_EXCEPTION: Owner locked)`,
    );
    const section = await renderSlaSection(w.store, ws, silentLogger);
    expect(section).toContain('<th>webhook</th><th>owner</th>');
    expect(section).toContain(`<td>reassigned to ${cleo} ${DUE}</td></tr>`);

    // The rule lifted: the next sync gives c1 the owner its first attempt chose, Ben.
    w.salesforce.faults.clearRejections();
    const retried = await w.syncAt(after(15));
    expect(retried).toMatchObject({ slaBreaches: 0, slaReassigned: 1, warnings: [] });
    expect(w.owners()).toStrictEqual([ben, cleo]);
    const links = await w.store.links.forContacts(w.ws.id, [w.c1, w.c2]);
    expect([links.get(w.c1)?.ownerId, links.get(w.c2)?.ownerId]).toStrictEqual([ben, cleo]);
    expect(await w.shown()).toStrictEqual([
      `reassigned to ${ben} ${after(15)}`,
      `reassigned to ${cleo} ${DUE}`,
    ]);

    // Done once: a later sync leaves both alone.
    const later = await w.syncAt(after(30));
    expect(later).toMatchObject({ slaBreaches: 0, slaReassigned: 0, warnings: [] });
    expect(w.owners()).toStrictEqual([ben, cleo]);
    // The retry took no turn: after turns 0 and 1 the next one is 2.
    expect(await w.store.ownership.reserveTurns(w.ws.id, REASSIGN_ROTATION, 1)).toBe(2);
  });

  it('should take a new round-robin turn when the CRM refused the owner itself', async () => {
    // Not a user of the org: Salesforce refuses the OwnerId (INVALID_CROSS_REFERENCE_KEY).
    const nobody = '005000000000000AAA';
    const w = await world(MODEL_TEXT, { mode: 'round_robin', users: [nobody, ben, cleo] });

    // Turns 0 and 1: c1 gets the unknown user's (refused), c2 Ben's.
    const due = await w.syncAt(DUE);
    expect(due).toMatchObject({ slaBreaches: 2, slaReassigned: 1 });
    expect(due.warnings).toStrictEqual([
      `SLA reassignment of contact ${w.c1} (record ${w.recordOf(w.c1)}) refused: INVALID_CROSS_REFERENCE_KEY; tried again on the next sync (attempt 1 of 5)`,
    ]);
    expect(w.owners()).toStrictEqual([ava, ben]);

    // Retrying that owner cannot succeed: c1 takes turn 2, Cleo's.
    const retried = await w.syncAt(after(15));
    expect(retried).toMatchObject({ slaReassigned: 1, warnings: [] });
    expect(w.owners()).toStrictEqual([cleo, ben]);
    expect(await w.store.ownership.reserveTurns(w.ws.id, REASSIGN_ROTATION, 1)).toBe(3);
  });

  it('should give up after the fifth attempt and never try again', async () => {
    // Not a user of the org: Salesforce refuses the OwnerId on every attempt.
    const nobody = '005000000000000AAA';
    const w = await world(MODEL_TEXT, { mode: 'owner', ownerId: nobody });
    const refused = (id: string, then: string) =>
      `SLA reassignment of contact ${id} (record ${w.recordOf(id)}) refused: INVALID_CROSS_REFERENCE_KEY; ${then}`;
    const attempt = (n: number) => `tried again on the next sync (attempt ${n} of 5)`;

    const runs = [];
    for (const at of [DUE, after(15), after(30), after(45), after(60)]) runs.push(await w.syncAt(at));
    expect(runs.map((r) => r.slaReassigned)).toStrictEqual([0, 0, 0, 0, 0]);
    expect(runs.map((r) => r.warnings)).toStrictEqual([
      [refused(w.c1, attempt(1)), refused(w.c2, attempt(1))],
      [refused(w.c1, attempt(2)), refused(w.c2, attempt(2))],
      [refused(w.c1, attempt(3)), refused(w.c2, attempt(3))],
      [refused(w.c1, attempt(4)), refused(w.c2, attempt(4))],
      [refused(w.c1, 'given up after 5 attempts'), refused(w.c2, 'given up after 5 attempts')],
    ]);
    // The owner itself was refused, so none is kept to show; the CRM's reason is.
    for (const text of await w.shown()) {
      expect(text).toMatch(
        /^reassignment given up after 5 failed attempts \(INVALID_CROSS_REFERENCE_KEY: .+\)$/,
      );
    }

    // Even once the rule names a real user, a given-up stay is not tried again.
    await saveHandoffSettings(w.store, w.ws, { reassign: { mode: 'owner', ownerId: ben } }, 'test');
    const later = await w.syncAt(after(75));
    expect(later).toMatchObject({ slaReassigned: 0, warnings: [] });
    expect(w.owners()).toStrictEqual([ava, ava]);
  });

  it('should not retry once the contact left the stage', async () => {
    const w = await world(RECYCLING_TEXT, { mode: 'owner', ownerId: ben });
    w.salesforce.faults.rejectExternalId(w.external(w.c1), REFUSAL);

    // The run that finds the breaches reassigns c2, is refused c1, then recycles both to lead.
    const due = await w.syncAt(DUE);
    expect(due).toMatchObject({ slaBreaches: 2, slaReassigned: 1 });
    expect(due.warnings).toHaveLength(1);
    expect(w.owners()).toStrictEqual([ava, ben]);

    w.salesforce.faults.clearRejections();
    const next = await w.syncAt(after(15));
    expect(next).toMatchObject({ slaReassigned: 0, warnings: [] });
    expect(w.owners()).toStrictEqual([ava, ben]);
    expect(await w.shown()).toStrictEqual([
      'reassignment stopped (the stay ended, the rule changed, or there is no CRM record)',
      `reassigned to ${ben} ${DUE}`,
    ]);
  });

  it('should not retry once sales worked the Lead (the SLA clock stopped)', async () => {
    const w = await world(MODEL_TEXT, { mode: 'owner', ownerId: cleo });
    w.salesforce.faults.rejectExternalId(w.external(w.c1), REFUSAL);
    const due = await w.syncAt(DUE);
    expect(due).toMatchObject({ slaBreaches: 2, slaReassigned: 1 });
    expect(w.owners()).toStrictEqual([ava, cleo]);

    // Ava works c1 late; the next sync reads the status and leaves the record with her.
    w.salesforce.faults.clearRejections();
    w.salesforce.sales.setLeadStatus(w.external(w.c1), 'Working - Contacted');
    const next = await w.syncAt(after(15));
    expect(next).toMatchObject({ slaReassigned: 0, warnings: [] });
    expect(w.owners()).toStrictEqual([ava, cleo]);
  });
});
