/**
 * Reassignment on an SLA breach (`settings.handoff.reassign`): the CRM record of a contact still
 * sitting in a breached stay gets a new owner, a fixed user or queue, or the next user of a
 * round-robin list (its own rotation, skipping the record's current owner when the list allows).
 * Called once per breach, as checkSlas finds each breach once. A refusal is a warning of the run:
 * the breach itself is already recorded, shown and sent.
 */
import type { OwnerChange } from '../../model.ts';
import { handoffSettings } from '../handoff-settings.ts';
import { errorMessage, type RunContext } from '../run-context.ts';

/** The rotation of reassignments, apart from the one that owns new records. */
export const REASSIGN_ROTATION = 'sla_reassign';

export async function reassignBreached(
  ctx: RunContext,
  breached: { contactId: string; stage: string }[],
): Promise<number> {
  if (!ctx.crm?.reassign || breached.length === 0) return 0;
  const rule = handoffSettings(ctx.workspace).reassign;
  if (rule.mode === 'off') return 0;
  const ws = ctx.workspace.id;
  const wanted = breached.filter((b) => !rule.stages || rule.stages.includes(b.stage));
  const links = await ctx.store.links.forContacts(
    ws,
    wanted.map((b) => b.contactId),
  );
  // The record sales works: the Contact a Lead was converted to (or matched), else the record itself.
  const targets = wanted.flatMap((b) => {
    const link = links.get(b.contactId);
    const recordId = link?.convertedContactId ?? link?.crmId;
    return link && recordId ? [{ contactId: b.contactId, recordId, current: link.ownerId }] : [];
  });
  if (targets.length === 0) return 0;
  let changes: OwnerChange[];
  if (rule.mode === 'owner') {
    changes = targets.map((t) => ({ key: t.contactId, recordId: t.recordId, ownerId: rule.ownerId }));
  } else {
    const { users } = rule;
    const first = await ctx.store.ownership.reserveTurns(ws, REASSIGN_ROTATION, targets.length);
    changes = targets.map((t, i) => {
      let ownerId = users[(first + i) % users.length]!;
      if (ownerId === t.current && users.length > 1) ownerId = users[(first + i + 1) % users.length]!;
      return { key: t.contactId, recordId: t.recordId, ownerId };
    });
  }
  let result: Awaited<ReturnType<NonNullable<typeof ctx.crm.reassign>>>;
  try {
    result = await ctx.crm.reassign(changes);
  } catch (err) {
    ctx.tally.warnings.push(`SLA reassignment failed: ${errorMessage(err)}`);
    ctx.log.warn('SLA reassignment failed', { error: errorMessage(err), records: changes.length });
    return 0;
  }
  const done = new Set(result.ok);
  await ctx.store.links.setOwners(
    ws,
    changes.filter((c) => done.has(c.key)).map((c) => ({ contactId: c.key, ownerId: c.ownerId })),
  );
  for (const f of result.failed) {
    ctx.tally.warnings.push(`SLA reassignment of contact ${f.id} refused: ${f.code}`);
  }
  ctx.tally.slaReassigned += done.size;
  if (done.size) {
    ctx.log.info('SLA breaches reassigned', { reassigned: done.size, refused: result.failed.length });
  }
  return done.size;
}
