/**
 * Qualification: every contact flagged as changed (or, after a model change or on `--full`, every
 * contact) is run through the compiled model; decisions and stage history are stored in one
 * transaction per batch, which also clears the flags.
 */
import type { Decision } from '../../model.ts';
import { toContactInput } from '../contact-inputs.ts';
import { errorMessage, failedThisRun, recordFailures, type RunContext } from '../run-context.ts';

export interface QualifyScope {
  /** Every contact, not just the flagged ones. */
  all?: boolean;
  /** Only these contacts (webhook re-qualification). */
  ids?: string[];
}

export async function qualifyContacts(ctx: RunContext, scope: QualifyScope = {}): Promise<number> {
  const ws = ctx.workspace.id;
  let afterId: string | undefined;
  let done = 0;
  await ctx.progress({ step: 'qualify', done });
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
    const [events, previous] = await Promise.all([
      ctx.store.contacts.eventsFor(ws, ids),
      ctx.store.decisions.forContacts(ws, ids),
    ]);
    const decisions: Decision[] = [];
    const failures: { recordId: string; code: string; message: string }[] = [];
    for (const contact of contacts) {
      if (failedThisRun(ctx, 'qualify', contact.id)) continue;
      try {
        const input = toContactInput(ctx.model, {
          contact,
          events: events.get(contact.id) ?? [],
          decision: previous.get(contact.id),
        });
        decisions.push(ctx.model.qualify(input, ctx.at));
      } catch (err) {
        failures.push({ recordId: contact.id, code: 'qualify_failed', message: errorMessage(err) });
      }
    }
    const transitions = await ctx.store.transaction(async (tx) => {
      const moved = await tx.decisions.save(ws, decisions, ctx.at);
      const qualifiedIds = decisions.map((d) => d.contactId);
      await tx.contacts.markQualified(ws, qualifiedIds);
      await tx.recordErrors.clear(ws, 'qualify', qualifiedIds);
      return moved;
    });
    await recordFailures(ctx, 'qualify', failures);
    for (const t of transitions) ctx.tally.stageChanges[t.to] = (ctx.tally.stageChanges[t.to] ?? 0) + 1;
    ctx.tally.qualified += decisions.length;
    done += contacts.length;
    await ctx.progress({ step: 'qualify', done });
  }
  return done;
}
