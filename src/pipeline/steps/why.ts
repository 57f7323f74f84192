/**
 * After a handoff, the Task or note that tells the rep why: written once per contact and updated
 * in place on later handoffs (its id is kept in the link), so the record never collects copies.
 * A failure here is logged and retried with the contact's next handoff; it never fails the run.
 */
import type { EngagementEvent, WhyNote } from '../../model.ts';
import type { PendingHandoff } from '../../store/index.ts';
import type { HandoffSettings } from '../handoff-settings.ts';
import { errorMessage, type RunContext } from '../run-context.ts';
import { buildWhy } from '../why.ts';

const CRM_OBJECT = { task: 'Task', note: 'Note' } as const;

function who(p: PendingHandoff): string {
  const name = [p.properties.firstname, p.properties.lastname].filter((v) => v).join(' ');
  return name || String(p.properties.email ?? `contact ${p.contactId}`);
}

export async function writeWhy(
  ctx: RunContext,
  settings: HandoffSettings['why'],
  handed: { pending: PendingHandoff; externalId: string; recordId: string }[],
): Promise<void> {
  const as = settings.as;
  if (as === 'off' || !ctx.crm?.writeWhy || handed.length === 0) return;
  const ws = ctx.workspace.id;
  const object = CRM_OBJECT[as];
  const ids = handed.map((h) => h.pending.contactId);
  const [decisions, events] = await Promise.all([
    ctx.store.decisions.forContacts(ws, ids),
    settings.events > 0
      ? ctx.store.contacts.latestEventsFor(ws, ids, settings.events)
      : Promise.resolve(new Map<string, EngagementEvent[]>()),
  ]);
  const labels = new Map(ctx.model.stages.map((s) => [s.key, s.label]));
  const notes: WhyNote[] = handed.map(({ pending: p, externalId, recordId }) => {
    const why = buildWhy({
      who: who(p),
      stageLabel: labels.get(p.stage) ?? p.stage,
      summary: p.summary,
      scores: p.scores,
      reasons: decisions.get(p.contactId)?.reasons ?? [],
      events: events.get(p.contactId) ?? [],
      limit: settings.events,
    });
    // A Task written when the setting said "note" (or the other way round) is left as it is.
    const existing = p.link?.why?.object === object ? p.link.why.id : undefined;
    return { externalId, recordId, as, ...(existing ? { existingId: existing } : {}), ...why };
  });
  try {
    const result = await ctx.crm.writeWhy(notes);
    const byExternalId = new Map(handed.map((h) => [h.externalId, h.pending.contactId]));
    await ctx.store.links.recordWhy(
      ws,
      result.ok.flatMap((o) => {
        const contactId = byExternalId.get(o.externalId);
        return contactId ? [{ contactId, object, id: o.id }] : [];
      }),
    );
    for (const f of result.failed) {
      ctx.log.warn('handoff explanation not written', { record: f.id, code: f.code });
    }
  } catch (err) {
    ctx.log.warn('handoff explanations not written', { count: notes.length, error: errorMessage(err) });
  }
}
