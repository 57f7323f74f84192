/**
 * SLAs on each sync: every stay in a stage with an SLA that has no outcome yet is settled as met or
 * breached once its deadline or its end is known (pure `slaOutcome`, the run's instant as "now"),
 * stored once per stay; contacts still sitting in a breached stay are flagged so that recycle rules
 * on the `sla_breached` fact apply in the same run, and their CRM records are queued for the
 * workspace's reassignment rule, which then tries every queued one (sla-reassign.ts). Breaches are
 * then sent to the webhook, each once; one that failed stays pending and is retried on the next sync.
 */
import type { StageInfo } from '../../model.ts';
import type { CurrentStay, NewSlaOutcome, WatchedStay } from '../../store/index.ts';
import { slaDeadline, slaOutcome } from '../../sla/outcome.ts';
import { breachMessage, postWebhook } from '../../sla/webhook.ts';
import { errorMessage, type RunContext } from '../run-context.ts';
import { HORIZON_MS } from '../next-change.ts';
import { reassignBreached, reassigns } from './sla-reassign.ts';

/** Property the engine sees on a contact whose current stay breached its SLA: the stage's key. */
export const SLA_FACT = 'sla_breached';
/**
 * Breaches whose deadline is older than this when first found (stays that closed late before the
 * SLA was configured, a workspace that did not sync for weeks) are recorded and shown, not sent.
 */
export const NOTIFY_WINDOW_MS = 7 * 86_400_000;
const NOTIFY_BATCH = 50;
/** Watched stays read and settled per store round trip. */
const WATCHED_PAGE = 1000;
/** Per run, so a backlog never holds a sync for long; the rest go on the next ones. */
const NOTIFY_PER_RUN = 500;

export function slaStages(ctx: Pick<RunContext, 'model'>): StageInfo[] {
  return ctx.model.stages.filter((s) => s.sla);
}

/**
 * The SLA deadline of the stay a decision leaves the contact in, when it is still ahead: reaching
 * it is a time-based change, so the contact is due then and the run at that time finds the breach.
 */
export function slaDueAfter(
  ctx: Pick<RunContext, 'model' | 'at'>,
  stage: string,
  stay: CurrentStay | undefined,
  enteredNowAt: Date | undefined,
): Date | undefined {
  const sla = ctx.model.stages.find((s) => s.key === stage)?.sla;
  if (!sla) return undefined;
  // A new stay opens at `enteredNowAt`; an ongoing one is watched only until it has an outcome.
  const entered =
    enteredNowAt ?? (stay?.stage === stage && stay.outcome === null ? stay.enteredAt : undefined);
  if (!entered) return undefined;
  const due = slaDeadline(entered, sla, ctx.model.businessHours);
  return due.getTime() > ctx.at.getTime() ? due : undefined;
}

export async function checkSlas(ctx: RunContext): Promise<number> {
  const stages = slaStages(ctx);
  if (stages.length === 0) return 0;
  const byKey = new Map(stages.map((s) => [s.key, s]));
  const ws = ctx.workspace.id;
  const since = new Date(ctx.at.getTime() - HORIZON_MS);
  let breached = 0;
  // A page of stays at a time: on a large portal every MQL can be waiting on its SLA.
  for (let afterId: string | undefined; ;) {
    const watched = await ctx.store.sla.watched(
      ws,
      stages.map((s) => s.key),
      since,
      { limit: WATCHED_PAGE, ...(afterId ? { afterId } : {}) },
    );
    if (watched.length === 0) break;
    afterId = watched[watched.length - 1]!.stayId;
    breached += await settleStays(ctx, byKey, watched);
  }
  if (breached) ctx.log.info('SLA breaches found', { breached });
  // The breaches found above and the earlier ones a refusal left pending, in one pass.
  await reassignBreached(ctx);
  return breached;
}

/** Settles one page of watched stays: stores their outcomes, flags contacts still in a breached stay. */
async function settleStays(
  ctx: RunContext,
  byKey: Map<string, StageInfo>,
  watched: WatchedStay[],
): Promise<number> {
  const ws = ctx.workspace.id;
  const outcomes: NewSlaOutcome[] = [];
  const stillIn: string[] = [];
  for (const stay of watched) {
    const o = slaOutcome(stay, byKey.get(stay.stage)!.sla!, ctx.model.businessHours, ctx.at);
    if (o.kind === 'pending') continue;
    const open = o.kind === 'breached' && stay.exitedAt === null;
    outcomes.push({
      stayId: stay.stayId,
      contactId: stay.contactId,
      stage: stay.stage,
      enteredAt: stay.enteredAt,
      dueAt: o.dueAt,
      outcome: o.kind,
      notify: ctx.slaWebhook !== null && o.dueAt.getTime() >= ctx.at.getTime() - NOTIFY_WINDOW_MS,
      // Queued once, with the outcome: a stay's breach is found once, so it is reassigned at most once.
      reassign: open && reassigns(ctx, stay.stage),
    });
    if (open) stillIn.push(stay.contactId);
  }
  await ctx.store.transaction(async (tx) => {
    await tx.sla.record(ws, outcomes, ctx.at);
    await tx.contacts.markPending(ws, stillIn);
  });
  const breached = outcomes.filter((o) => o.outcome === 'breached').length;
  ctx.tally.slaBreaches += breached;
  return breached;
}

/** Sends pending breaches; stops at the first failure (the receiver is likely down) and says why. */
export async function notifySlaBreaches(ctx: RunContext): Promise<number> {
  const hook = ctx.slaWebhook;
  if (!hook) return 0;
  let sent = 0;
  while (sent < NOTIFY_PER_RUN) {
    const batch = await ctx.store.sla.toNotify(ctx.workspace.id, NOTIFY_BATCH);
    if (batch.length === 0) break;
    for (const breach of batch) {
      const stage = ctx.model.stages.find((s) => s.key === breach.stage) ?? { label: breach.stage };
      try {
        await postWebhook(hook, breachMessage(breach, ctx.workspace.name, stage, ctx.model.businessHours));
      } catch (err) {
        await ctx.store.sla.markNotifyFailed(breach.stayId, errorMessage(err));
        ctx.tally.warnings.push(`SLA breach notifications paused until the next sync: ${errorMessage(err)}`);
        ctx.log.warn('SLA webhook failed', { error: errorMessage(err), pending: batch.length });
        return sent;
      }
      await ctx.store.sla.markNotified(breach.stayId, ctx.clock());
      sent += 1;
    }
  }
  ctx.tally.slaNotified += sent;
  return sent;
}
