/**
 * Reassignment on an SLA breach (`settings.handoff.reassign`): the CRM record of a contact still
 * sitting in a breached stay gets a new owner, a fixed user or queue, or the next user of a
 * round-robin list (its own rotation, skipping the record's current owner when the list allows).
 * checkSlas marks each such stay pending once, when it finds the breach; every sync then tries the
 * pending ones, so a refusal or a failed call is tried again by the next syncs until it succeeds,
 * the stay ends (the contact left the stage, or its sales status is one that stops the SLA clock)
 * or MAX_REASSIGN_ATTEMPTS were made. Every refusal and the give-up are warnings of their run; the
 * breach itself is already recorded, shown and sent.
 */
import type { OwnerChange, RecordFailure } from '../../model.ts';
import type { PendingReassignment, ReassignAttempt } from '../../store/index.ts';
import { handoffSettings, type ReassignSettings } from '../handoff-settings.ts';
import { errorMessage, type RunContext } from '../run-context.ts';

/** The rotation of reassignments, apart from the one that owns new records. */
export const REASSIGN_ROTATION = 'sla_reassign';

/**
 * Attempts per breached stay. Syncs run every 15 minutes by default, so 5 attempts give a passing
 * outage (a locked row, an API limit, a CRM maintenance window) about an hour to clear, while a
 * refusal that needs a person (an inactive user, a queue on a Contact) stops warning after that
 * hour instead of on every sync while the stay lasts.
 */
export const MAX_REASSIGN_ATTEMPTS = 5;
/** Per run, so a backlog never holds a sync for long; the rest go on the next ones. */
const REASSIGN_PER_RUN = 500;

/** Whether a breach of this stage is to be reassigned now (checked when the breach is found). */
export function reassigns(ctx: RunContext, stage: string): boolean {
  if (!ctx.crm?.reassign) return false;
  return applies(handoffSettings(ctx.workspace).reassign, stage);
}

function applies(rule: ReassignSettings, stage: string): boolean {
  return rule.mode !== 'off' && (!rule.stages || rule.stages.includes(stage));
}

/**
 * A refusal of the owner itself (unknown or inactive user, a queue where only a user may own):
 * retrying that owner cannot succeed, so the next attempt takes a new round-robin turn.
 */
function ownerRefused(f: RecordFailure): boolean {
  return f.code === 'INACTIVE_OWNER_OR_USER' || (f.fields?.includes('OwnerId') ?? false);
}

interface Target {
  stay: PendingReassignment;
  recordId: string;
  current: string | null;
}

/** Tries the pending reassignments; returns how many records got their new owner. */
export async function reassignBreached(ctx: RunContext): Promise<number> {
  const reassign = ctx.crm?.reassign?.bind(ctx.crm);
  // Without a CRM that reassigns, the stays stay pending: nothing was tried, nothing is lost.
  if (!reassign) return 0;
  const ws = ctx.workspace.id;
  const pending = await ctx.store.sla.toReassign(ws, REASSIGN_PER_RUN);
  if (pending.length === 0) return 0;
  const rule = handoffSettings(ctx.workspace).reassign;
  const attempts: ReassignAttempt[] = [];
  const due: PendingReassignment[] = [];
  for (const p of pending) {
    const sla = ctx.model.stages.find((s) => s.key === p.stage)?.sla;
    const worked = p.salesStatus !== null && (sla?.until.includes(p.salesStatus) ?? false);
    // The rep who let the SLA lapse has acted since, or the rule changed: the breach is history.
    if (!p.open || !sla || worked || !applies(rule, p.stage)) {
      attempts.push({ stayId: p.stayId, result: 'stopped' });
    } else {
      due.push(p);
    }
  }
  const links = await ctx.store.links.forContacts(
    ws,
    due.map((p) => p.contactId),
  );
  // The record sales works: the Contact a Lead was converted to (or matched), else the record itself.
  const targets: Target[] = [];
  for (const stay of due) {
    const link = links.get(stay.contactId);
    const recordId = link?.convertedContactId ?? link?.crmId;
    // No CRM record to give a new owner (never handed off): nothing to reassign.
    if (!link || !recordId) {
      attempts.push({ stayId: stay.stayId, result: 'stopped' });
    } else {
      targets.push({ stay, recordId, current: link.ownerId });
    }
  }
  const changes = await chooseOwners(ctx, rule, targets);
  let reassigned = 0;
  if (changes.length) {
    const byKey = new Map(targets.map((t) => [t.stay.contactId, t]));
    reassigned = await attempt(ctx, reassign, changes, byKey, attempts);
  }
  await ctx.store.sla.recordReassignments(attempts, ctx.at);
  return reassigned;
}

/**
 * The owner each record gets. A round-robin retry keeps the owner its first attempt chose, so a
 * breached stay takes one turn of the rotation, as when a refusal was never tried again; it takes
 * a new turn only when the CRM refused that owner (or the list no longer has it), whose turn is
 * spent then just as it was before retries existed.
 */
async function chooseOwners(
  ctx: RunContext,
  rule: ReassignSettings,
  targets: Target[],
): Promise<OwnerChange[]> {
  if (rule.mode === 'off' || targets.length === 0) return [];
  if (rule.mode === 'owner') {
    return targets.map((t) => ({ key: t.stay.contactId, recordId: t.recordId, ownerId: rule.ownerId }));
  }
  const { users } = rule;
  const kept = (t: Target) =>
    t.stay.ownerId !== null && users.includes(t.stay.ownerId) ? t.stay.ownerId : undefined;
  const turns = targets.filter((t) => kept(t) === undefined).length;
  const first = await ctx.store.ownership.reserveTurns(ctx.workspace.id, REASSIGN_ROTATION, turns);
  let i = 0;
  return targets.map((t) => {
    let ownerId = kept(t);
    if (ownerId === undefined) {
      ownerId = users[(first + i) % users.length]!;
      if (ownerId === t.current && users.length > 1) ownerId = users[(first + i + 1) % users.length]!;
      i += 1;
    }
    return { key: t.stay.contactId, recordId: t.recordId, ownerId };
  });
}

/** One call to the CRM for these changes; each outcome goes to `attempts`. */
async function attempt(
  ctx: RunContext,
  reassign: (changes: OwnerChange[]) => Promise<{ ok: string[]; failed: RecordFailure[] }>,
  changes: OwnerChange[],
  byKey: Map<string, Target>,
  attempts: ReassignAttempt[],
): Promise<number> {
  // Kept before the call: should this run stop before recording the outcome, the next one sets
  // the same owner again rather than taking another turn.
  await ctx.store.sla.keepReassignOwners(
    changes.map((c) => ({ stayId: byKey.get(c.key)!.stay.stayId, ownerId: c.ownerId })),
  );
  const failed = (c: OwnerChange, error: string, keepOwner: boolean) => {
    const t = byKey.get(c.key)!;
    const n = t.stay.attempts + 1;
    const giveUp = n >= MAX_REASSIGN_ATTEMPTS;
    attempts.push({
      stayId: t.stay.stayId,
      result: 'failed',
      ownerId: keepOwner ? c.ownerId : null,
      error,
      giveUp,
    });
    return giveUp
      ? `given up after ${n} attempts`
      : `tried again on the next sync (attempt ${n} of ${MAX_REASSIGN_ATTEMPTS})`;
  };
  let result: { ok: string[]; failed: RecordFailure[] };
  try {
    result = await reassign(changes);
  } catch (err) {
    const error = errorMessage(err);
    for (const c of changes) {
      ctx.tally.warnings.push(
        `SLA reassignment of contact ${c.key} (record ${c.recordId}) failed: ${error}; ${failed(c, error, true)}`,
      );
    }
    ctx.log.warn('SLA reassignment failed', { error, records: changes.length });
    return 0;
  }
  const done = new Set(result.ok);
  const refusals = new Map(result.failed.map((f) => [f.id, f]));
  const owners: { contactId: string; ownerId: string }[] = [];
  for (const c of changes) {
    if (done.has(c.key)) {
      attempts.push({ stayId: byKey.get(c.key)!.stay.stayId, result: 'done', ownerId: c.ownerId });
      owners.push({ contactId: c.key, ownerId: c.ownerId });
      continue;
    }
    const f = refusals.get(c.key);
    const then = f
      ? failed(c, `${f.code}: ${f.message}`, !ownerRefused(f))
      : failed(c, 'the CRM gave no answer', true);
    ctx.tally.warnings.push(
      `SLA reassignment of contact ${c.key} (record ${c.recordId}) refused: ${f?.code ?? 'no answer'}; ${then}`,
    );
  }
  await ctx.store.links.setOwners(ctx.workspace.id, owners);
  ctx.tally.slaReassigned += owners.length;
  if (owners.length) {
    ctx.log.info('SLA breaches reassigned', {
      reassigned: owners.length,
      refused: changes.length - owners.length,
    });
  }
  return owners.length;
}
