/**
 * Qualification: every contact flagged as changed, every contact whose decision is due (its outcome
 * can have changed with time alone: decay, windows, inactivity), or, after a model change or on
 * `--full`, every contact is run through the compiled model. Decisions, when each can next change,
 * and stage history are stored in one transaction per batch, which also clears the flags.
 */
import type { CompiledModel, ContactInput, Decision } from '../../model.ts';
import type { CurrentStay, DecisionTiming } from '../../store/index.ts';
import { toContactInput } from '../contact-inputs.ts';
import { firstInstant, nextChangeAt } from '../next-change.ts';
import { ownerMoments } from '../ownership.ts';
import { errorMessage, failedThisRun, recordFailures, type RunContext } from '../run-context.ts';
import { rollUpAccounts } from './accounts.ts';
import { SLA_FACT, slaDueAfter, slaStages } from './sla.ts';

export interface QualifyScope {
  /** Every contact, not just the flagged ones. */
  all?: boolean;
  /** Only these contacts (webhook re-qualification). */
  ids?: string[];
}

/** Called with the contacts of each batch once its decisions are committed (the next steps' input). */
export type OnQualified = (contactIds: string[]) => Promise<void>;

/**
 * When a contact that changed through time alone reached its new stage: its decision became due at
 * `dueAt` (to the minute), the stage may have followed later, and no later than `at`.
 */
function stageReachedAt(
  model: CompiledModel,
  input: ContactInput,
  stage: string,
  dueAt: Date,
  at: Date,
): Date {
  const lo = dueAt.getTime() - 60_000;
  if (lo >= at.getTime()) return at;
  return new Date(firstInstant(lo, at.getTime(), (ms) => model.qualify(input, new Date(ms)).stage === stage));
}

/** Flags the contacts whose decision is due; returns when each became due. */
export async function flagDueContacts(ctx: RunContext): Promise<Map<string, Date>> {
  const due = await ctx.store.decisions.due(ctx.workspace.id, ctx.at);
  await ctx.store.contacts.markPending(ctx.workspace.id, [...due.keys()]);
  return due;
}

export async function qualifyContacts(
  ctx: RunContext,
  scope: QualifyScope = {},
  onQualified?: OnQualified,
): Promise<number> {
  const ws = ctx.workspace.id;
  const due = scope.ids ? new Map<string, Date>() : await flagDueContacts(ctx);
  const watchingSlas = slaStages(ctx).length > 0;
  const accounts = await rollUpAccounts(ctx, scope);
  let afterId: string | undefined;
  let done = 0;
  // The bar's total: an estimate, as quarantined contacts are skipped and ids may name unknown ones.
  const total = scope.ids
    ? scope.ids.length
    : await ctx.store.contacts.count(ws, { pendingOnly: !scope.all });
  await ctx.progress({ step: 'qualify', done, total });
  for (;;) {
    const contacts = await ctx.store.contacts.page(ws, {
      limit: ctx.tuning.qualifyBatchSize,
      pendingOnly: !scope.all,
      ...(afterId ? { afterId } : {}),
      ...(scope.ids ? { ids: scope.ids } : {}),
      ...(scope.all ? {} : { skipQuarantinedStep: 'qualify' }),
    });
    if (contacts.length === 0) break;
    afterId = contacts[contacts.length - 1]!.id;
    const ids = contacts.map((c) => c.id);
    const [events, previous, stays, accountInputs] = await Promise.all([
      ctx.store.contacts.eventsFor(ws, ids),
      ctx.store.decisions.forContacts(ws, ids),
      watchingSlas ? ctx.store.sla.currentStays(ws, ids) : new Map<string, CurrentStay>(),
      accounts.forContacts(ids),
    ]);
    const decisions: Decision[] = [];
    const timing = new Map<string, DecisionTiming>();
    const failures: { recordId: string; code: string; message: string }[] = [];
    for (const contact of contacts) {
      if (failedThisRun(ctx, 'qualify', contact.id)) continue;
      try {
        const before = previous.get(contact.id);
        const stay = stays.get(contact.id);
        const input = toContactInput(ctx.model, {
          contact,
          events: events.get(contact.id) ?? [],
          decision: before,
          ...(stay?.outcome === 'breached' ? { derived: { [SLA_FACT]: stay.stage } } : {}),
          ...(accountInputs.has(contact.id) ? { account: accountInputs.get(contact.id)! } : {}),
        });
        const decision = ctx.model.qualify(input, ctx.at);
        decisions.push(decision);
        const t: DecisionTiming = {
          nextChangeAt: nextChangeAt(ctx.model, input, decision, ctx.at, {
            scoreTolerance: ctx.tuning.scoreTolerance,
          }),
        };
        const dueAt = due.get(contact.id);
        if (dueAt && before && before.stage !== decision.stage) {
          t.changedAt = stageReachedAt(ctx.model, input, decision.stage, dueAt, ctx.at);
        }
        const moved = before?.stage !== decision.stage;
        const slaDue = slaDueAfter(ctx, decision.stage, stay, moved ? (t.changedAt ?? ctx.at) : undefined);
        if (slaDue && (!t.nextChangeAt || slaDue < t.nextChangeAt)) t.nextChangeAt = slaDue;
        timing.set(contact.id, t);
        if (dueAt) ctx.tally.due += 1;
      } catch (err) {
        failures.push({ recordId: contact.id, code: 'qualify_failed', message: errorMessage(err) });
      }
    }
    const transitions = await ctx.store.transaction(async (tx) => {
      const moved = await tx.decisions.save(ws, decisions, ctx.at, timing);
      // Handoff to SDRs and from SDRs to sales are moments of their own, dated like the stage change.
      await tx.ownership.recordMoments(
        ws,
        ownerMoments(ctx.model, moved, (id) => timing.get(id)?.changedAt ?? ctx.at),
      );
      const qualifiedIds = decisions.map((d) => d.contactId);
      await tx.contacts.markQualified(ws, qualifiedIds);
      await tx.recordErrors.clear(ws, 'qualify', qualifiedIds);
      return moved;
    });
    await recordFailures(ctx, 'qualify', failures);
    for (const d of decisions) ctx.observer?.decided(d, previous.get(d.contactId));
    for (const t of transitions) ctx.tally.stageChanges[t.to] = (ctx.tally.stageChanges[t.to] ?? 0) + 1;
    ctx.tally.qualified += decisions.length;
    done += contacts.length;
    await ctx.progress({ step: 'qualify', done, total: Math.max(total, done) });
    if (decisions.length > 0) await onQualified?.(decisions.map((d) => d.contactId));
  }
  return done;
}
