/**
 * One sync run of a workspace, as DESIGN.md draws it. Every step derives its work from the store
 * (flags, decision-vs-written diffs, missing links), so a crash between any two steps and a rerun
 * reach the same end state; cursors are saved only after the writes covering them succeeded.
 */
import type { Cursor, SchemaSpec } from './ports.ts';
import { TransientError } from '../errors.ts';

import { forwardOnly } from './cursor-window.ts';
import { rehearse, withholdWrites } from './dry-run.ts';
import { propagateCrmErasures } from './erasure.ts';
import { rekeyLegacyLinks } from './identity.ts';
import { settlePendingDeletions } from './source-deletions.ts';
import { prepareRun, resolveWorkspace } from './prepare.ts';
import { errorMessage, inStep, type RunContext } from './run-context.ts';
import { pullSources, STREAMS, workspaceOwner } from './steps/pull.ts';
import { pullSalesOutcomes } from './steps/sales-outcomes.ts';
import { settleContacts } from './steps/settle.ts';
import { checkSlas, notifySlaBreaches } from './steps/sla.ts';
import type { RunSyncOptions, SyncSummary } from './types.ts';

export async function saveCursor(ctx: RunContext, stream: string, reached: Cursor | null): Promise<void> {
  if (!reached) return;
  const owner = workspaceOwner(ctx);
  const next = forwardOnly(await ctx.store.cursors.get(owner, stream), reached);
  if (next) await ctx.store.cursors.set(owner, stream, next);
}

/** Creates the stage options and score properties the model needs (connectors skip what exists). */
export async function ensureSchemas(ctx: RunContext): Promise<void> {
  const spec: SchemaSpec = {
    stages: ctx.model.stages.map((s) => ({ key: s.key, label: s.label })),
    dimensions: [...ctx.model.dimensions],
    ...(ctx.model.accountDimensions.length
      ? { accountDimensions: ctx.model.accountDimensions.map((d) => d.key) }
      : {}),
  };
  await ctx.source.ensureSchema(spec);
  if (ctx.crm) {
    const missing = await ctx.crm.ensureSchema(spec);
    // Handoffs still run: a missing custom field costs data, the connector reports what it skipped.
    if (missing.length) ctx.log.warn('CRM is missing fields leadstage writes', { missing });
  }
}

export function summarize(
  ctx: RunContext,
  extra: {
    runId: string | null;
    kind: SyncSummary['kind'];
    dryRun: boolean;
    full: boolean;
    requalifiedAll: boolean;
    startedMs: number;
  },
): SyncSummary {
  return {
    runId: extra.runId,
    workspace: { id: ctx.workspace.id, name: ctx.workspace.name },
    kind: extra.kind,
    dryRun: extra.dryRun,
    full: extra.full,
    requalifiedAll: extra.requalifiedAll,
    modelVersion: ctx.model.version,
    pulled: { ...ctx.tally.pulled },
    qualified: ctx.tally.qualified,
    due: ctx.tally.due,
    stageChanges: { ...ctx.tally.stageChanges },
    writtenBack: ctx.tally.writtenBack,
    handedOff: ctx.tally.handedOff,
    crmCreated: ctx.tally.crmCreated,
    slaBreaches: ctx.tally.slaBreaches,
    slaNotified: ctx.tally.slaNotified,
    slaReassigned: ctx.tally.slaReassigned,
    errors: [...ctx.tally.errors],
    warnings: [...ctx.tally.warnings],
    apiCalls: ctx.calls.byVendor(),
    apiCallsByStream: ctx.calls.byStream(
      (vendor) => [ctx.source, ctx.crm].find((c) => c?.vendor === vendor)?.streamOf,
    ),
    apiBudget: ctx.calls.lastBudgets(),
    ...minimumApiCalls(ctx),
    durationMs: Date.now() - extra.startedMs,
  };
}

/** What the vendors' page and batch sizes allow for this run's work, per vendor that says and per stream. */
function minimumApiCalls(ctx: RunContext): Pick<SyncSummary, 'minimumApiCalls' | 'minimumApiCallsByStream'> {
  const t = ctx.tally;
  const work = {
    contacts: t.pulled.contacts,
    eventsByType: t.eventsByType,
    writtenBack: t.writtenBack,
    recycled: t.recycledWrites,
    handedOff: t.handedOff,
    firstHandoffs: t.firstHandoffs,
    handedAccounts: t.handedAccounts,
    salesOutcomes: t.pulled.salesOutcomes,
    ...(ctx.model.eventTypes ? { eventTypes: ctx.model.eventTypes } : {}),
  };
  const minimumApiCalls: Record<string, number> = {};
  const minimumApiCallsByStream: Record<string, number> = {};
  for (const c of [ctx.source, ctx.crm]) {
    const byStream = c?.minimumCalls?.(work);
    if (!c || byStream === undefined) continue;
    for (const [stream, n] of Object.entries(byStream)) {
      minimumApiCalls[c.vendor] = (minimumApiCalls[c.vendor] ?? 0) + n;
      minimumApiCallsByStream[`${c.vendor} ${stream}`] = n;
    }
  }
  return { minimumApiCalls, minimumApiCallsByStream };
}

export function runCounts(summary: SyncSummary): Record<string, unknown> {
  return {
    pulled: summary.pulled,
    qualified: summary.qualified,
    due: summary.due,
    stageChanges: summary.stageChanges,
    writtenBack: summary.writtenBack,
    handedOff: summary.handedOff,
    crmCreated: summary.crmCreated,
    slaBreaches: summary.slaBreaches,
    slaNotified: summary.slaNotified,
    slaReassigned: summary.slaReassigned,
    errors: summary.errors.length,
    quarantined: summary.errors.filter((e) => e.quarantined).length,
    warnings: summary.warnings,
    requalifiedAll: summary.requalifiedAll,
    apiBudget: summary.apiBudget,
    minimumApiCalls: summary.minimumApiCalls,
    minimumApiCallsByStream: summary.minimumApiCallsByStream,
    apiCallsByStream: summary.apiCallsByStream,
  };
}

export async function runSync(options: RunSyncOptions): Promise<SyncSummary> {
  const startedMs = Date.now();
  const full = options.full ?? false;
  const workspace = await resolveWorkspace(options.store, options.workspace);
  // A dry run takes the lock too: it predicts the state a run would start from.
  const release = await options.store.db.tryLock(`leadstage:sync:${workspace.id}`);
  if (!release) {
    throw new TransientError(`a sync of workspace "${workspace.name}" is already running`);
  }
  try {
    if (!options.dryRun) {
      return await runLocked(await prepareRun(options, workspace), options, startedMs, full);
    }
    // The dry run is this run: the same steps, its store writes rolled back, vendor writes withheld.
    return await rehearse(options.store, async (store, credentials) => {
      const ctx = await prepareRun({ ...options, store }, workspace, { credentials });
      const recorder = withholdWrites(ctx);
      const summary = await runLocked(ctx, options, startedMs, full, true);
      return { ...summary, preview: recorder.build(ctx.model, ctx.crm !== null) };
    });
  } finally {
    await release();
  }
}

async function runLocked(
  ctx: RunContext,
  options: RunSyncOptions,
  startedMs: number,
  full: boolean,
  dryRun = false,
): Promise<SyncSummary> {
  const checkpoint = async (after: Parameters<NonNullable<RunSyncOptions['checkpoint']>>[0]) => {
    await options.checkpoint?.(after);
  };
  const requalifyAll = full || ctx.workspace.qualifiedModelVersion !== ctx.model.version;
  // We hold the workspace's run lock: a run still marked running died with its process.
  await ctx.store.runs.markInterrupted(ctx.workspace.id, ctx.at);
  const runId = await ctx.store.runs.start(ctx.workspace.id, { kind: 'sync', full, startedAt: ctx.at });
  const finish = async (status: 'succeeded' | 'failed', err?: unknown): Promise<SyncSummary> => {
    const summary = summarize(ctx, {
      // A dry run's record is rolled back with the rest.
      runId: dryRun ? null : runId,
      kind: 'sync',
      dryRun,
      full,
      requalifiedAll: requalifyAll,
      startedMs,
    });
    await ctx.store.runs.finish(runId, {
      status,
      finishedAt: ctx.clock(),
      counts: runCounts(summary),
      apiCalls: summary.apiCalls,
      ...(err === undefined ? {} : { error: errorMessage(err) }),
    });
    return summary;
  };
  const what = dryRun ? 'dry run' : 'sync';
  ctx.log.info(`${what} started`, { run: runId, full, requalifyAll });
  try {
    // Every run: connectors learn the model's stages here (HubSpot maps lifecycle options from them),
    // and a new model may name stages or score dimensions the vendors do not have yet.
    await ensureSchemas(ctx);
    // Identity upkeep before any handoff: old-format external ids gain the source account,
    // deletions a webhook could not settle are merged or erased, and erasures not yet carried to
    // the CRM go there.
    await rekeyLegacyLinks(ctx);
    await settlePendingDeletions(
      { store: ctx.store, log: ctx.log, now: ctx.clock, quarantineAfter: ctx.tuning.quarantineAfter },
      ctx.workspace,
      ctx.source,
    );
    if (ctx.crm) {
      await propagateCrmErasures(
        { store: ctx.store, log: ctx.log, crm: ctx.crm, now: ctx.clock },
        ctx.workspace,
        'sync',
      );
    }
    await checkpoint('start');
    const reached = await pullSources(ctx, full);
    await checkpoint('pull_contacts');
    await checkpoint('pull_engagement');
    // The run decides as of the end of its pulls: an event stored during them is never in the
    // decision's future (time windows would skip it, and nothing would flag the contact again).
    ctx.at = new Date(Math.max(ctx.at.getTime(), ctx.clock().getTime()));
    await settleContacts(ctx, { all: requalifyAll }, async (step) => {
      if (step === 'qualify' && requalifyAll) {
        await ctx.store.workspaces.markQualified(ctx.workspace.id, ctx.model.version);
      }
      await checkpoint(step);
    });
    await saveCursor(ctx, STREAMS.contacts, reached.contacts);
    await saveCursor(ctx, STREAMS.engagement, reached.engagement);

    const outcomesReached = await pullSalesOutcomes(ctx, full);
    await checkpoint('sales_outcomes');
    // With sales statuses fresh: settle SLAs; a contact still in a breached stay is flagged, so a
    // recycle rule on sla_breached applies below.
    await checkSlas(ctx);
    // Sales facts flagged their contacts: apply sales-owned stages and send them both ways.
    await settleContacts(ctx);
    await saveCursor(ctx, STREAMS.salesOutcomes, outcomesReached);
    // Last: a slow or failing receiver delays nothing else and fails no run.
    await notifySlaBreaches(ctx);

    const summary = await finish('succeeded');
    ctx.log.info(`${what} finished`, { run: runId, ...runCounts(summary) });
    return summary;
  } catch (err) {
    inStep(ctx, err);
    await finish('failed', err).catch(() => undefined);
    ctx.log.error(`${what} failed`, { run: runId, error: errorMessage(err) });
    throw err;
  }
}
