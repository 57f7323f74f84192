/**
 * `--dry-run`: pulls like a run (reads only), qualifies what a run would qualify on top of the store
 * without storing anything, and reports what would change. No vendor write, no store write.
 */
import { allContactIds, emptyOverlay, evaluate, PreviewBuilder } from './preview.ts';
import { prepareRun } from './prepare.ts';
import { summarize } from './run-sync.ts';
import { countByType, startPosition, STREAMS } from './steps/pull.ts';
import { salesFacts } from './steps/sales-outcomes.ts';
import type { RunSyncOptions, SyncSummary } from './types.ts';

function sameProperties(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export async function dryRunSync(options: RunSyncOptions): Promise<SyncSummary> {
  const startedMs = Date.now();
  const full = options.full ?? false;
  const ctx = await prepareRun(options, options.workspace);
  const ws = ctx.workspace.id;
  const requalifyAll = full || ctx.workspace.qualifiedModelVersion !== ctx.model.version;
  const overlay = emptyOverlay();
  const touched = new Set<string>();

  await ctx.progress({ step: 'pull_contacts', done: 0 });
  for await (const page of ctx.source.pullContacts(await startPosition(ctx, STREAMS.contacts, full))) {
    const ids = page.records.map((c) => c.id);
    const stored = new Map(
      (await ctx.store.contacts.page(ws, { ids, limit: ids.length })).map((c) => [c.id, c]),
    );
    for (const c of page.records) {
      const before = stored.get(c.id);
      const sourceStage = c.stage ?? null;
      overlay.contacts.set(c.id, {
        id: c.id,
        properties: c.properties,
        salesFacts: before?.salesFacts ?? {},
        sourceStage,
      });
      if (!before || before.sourceStage !== sourceStage || !sameProperties(before.properties, c.properties)) {
        touched.add(c.id);
      }
    }
    ctx.tally.pulled.contacts += page.records.length;
    await ctx.progress({ step: 'pull_contacts', done: ctx.tally.pulled.contacts });
  }

  await ctx.progress({ step: 'pull_engagement', done: 0 });
  const seenEvents = new Set<string>();
  for await (const page of ctx.source.pullEngagement(await startPosition(ctx, STREAMS.engagement, full))) {
    const existing = await ctx.store.contacts.existingEventIds(
      ws,
      page.records.map((e) => e.id),
    );
    for (const e of page.records) {
      if (existing.has(e.id) || seenEvents.has(e.id)) continue;
      seenEvents.add(e.id);
      overlay.events.set(e.contactId, [...(overlay.events.get(e.contactId) ?? []), e]);
      touched.add(e.contactId);
      ctx.tally.pulled.newEvents += 1;
    }
    ctx.tally.pulled.events += page.records.length;
    countByType(ctx, page.records);
    await ctx.progress({ step: 'pull_engagement', done: ctx.tally.pulled.events });
  }

  const pending = (await ctx.store.contacts.page(ws, { pendingOnly: true, limit: 1_000_000 })).map(
    (c) => c.id,
  );
  // Contacts whose decision is due on time alone are qualified by a run too.
  const due = await ctx.store.decisions.due(ws, ctx.at);
  const candidates = requalifyAll
    ? new Set([...(await allContactIds(ctx.store, ws)), ...overlay.contacts.keys()])
    : new Set([...touched, ...pending, ...due.keys()]);
  const preview = new PreviewBuilder(ctx.model, ctx.crm !== null);
  const args = {
    store: ctx.store,
    workspace: ctx.workspace,
    model: ctx.model,
    at: ctx.at,
    batchSize: ctx.tuning.qualifyBatchSize,
  };
  await ctx.progress({ step: 'qualify', done: 0, total: candidates.size });
  const evaluated = await evaluate(args, [...candidates].sort(), preview, overlay);
  await ctx.progress({ step: 'qualify', done: evaluated, total: candidates.size });

  if (ctx.crm) {
    const affected = new Set<string>();
    await ctx.progress({ step: 'sales_outcomes', done: 0 });
    for await (const page of ctx.crm.pullSalesOutcomes(
      await startPosition(ctx, STREAMS.salesOutcomes, full),
    )) {
      for (const outcome of page.records) {
        const link = await ctx.store.links.find(ws, { externalId: outcome.externalId, crmId: outcome.crmId });
        if (!link) continue;
        const current =
          overlay.facts.get(link.contactId) ??
          (await ctx.store.contacts.get(ws, link.contactId))?.salesFacts ??
          {};
        const next = { ...current, ...salesFacts(outcome.facts) };
        if (!sameProperties(current, next)) affected.add(link.contactId);
        overlay.facts.set(link.contactId, next);
      }
      ctx.tally.pulled.salesOutcomes += page.records.length;
      await ctx.progress({ step: 'sales_outcomes', done: ctx.tally.pulled.salesOutcomes });
    }
    await evaluate(args, [...affected].sort(), preview, overlay);
  }

  const built = preview.build();
  ctx.tally.qualified = built.evaluated;
  ctx.tally.stageChanges = built.entering;
  const summary = summarize(ctx, {
    runId: null,
    kind: 'sync',
    dryRun: true,
    full,
    requalifiedAll: requalifyAll,
    startedMs,
  });
  return { ...summary, preview: built };
}
