/**
 * Webhook-driven re-qualification of a few contacts: fetch them from the source, store, qualify,
 * write back and hand off just those, as one recorded run of kind `requalify`. The registry and
 * logger default to the process-wide ones.
 */
import { defaultRegistry } from './registry.ts';
import { createLogger } from '../log.ts';
import type { Workspace } from '../store/index.ts';

import { admitContacts } from './identity.ts';
import { prepareRun } from './prepare.ts';
import { errorMessage } from './run-context.ts';
import { runCounts, summarize } from './run-sync.ts';
import { settleContacts } from './steps/settle.ts';
import type { PipelineOptions, SyncSummary } from './types.ts';

export async function requalifyContacts(
  store: PipelineOptions['store'],
  workspace: string | Workspace,
  contactIds: string[],
  options: Partial<Omit<PipelineOptions, 'store'>> = {},
): Promise<SyncSummary> {
  const startedMs = Date.now();
  const ctx = await prepareRun(
    { ...options, store, registry: options.registry ?? defaultRegistry, log: options.log ?? createLogger() },
    workspace,
  );
  const ids = [...new Set(contactIds)];
  const runId = await store.runs.start(ctx.workspace.id, { kind: 'requalify', startedAt: ctx.at });
  const finish = (error?: unknown) => {
    const summary = summarize(ctx, {
      runId,
      kind: 'requalify',
      dryRun: false,
      full: false,
      requalifiedAll: false,
      startedMs,
    });
    return {
      summary,
      done: store.runs.finish(runId, {
        status: error === undefined ? 'succeeded' : 'failed',
        finishedAt: ctx.clock(),
        counts: runCounts(summary),
        apiCalls: summary.apiCalls,
        ...(error === undefined ? {} : { error: errorMessage(error) }),
      }),
    };
  };
  try {
    // The source learns the model's stages here (HubSpot maps its lifecycle options from them).
    await ctx.source.ensureSchema({
      stages: ctx.model.stages.map((s) => ({ key: s.key, label: s.label })),
      dimensions: [...ctx.model.dimensions],
      ...(ctx.model.accountDimensions.length
        ? { accountDimensions: ctx.model.accountDimensions.map((d) => d.key) }
        : {}),
    });
    const contacts = await admitContacts(
      store,
      ctx.workspace.id,
      await ctx.source.fetchContacts(ids),
      ctx.at,
      ctx.log,
    );
    ctx.tally.pulled.contacts += contacts.length;
    await store.transaction(async (tx) => {
      await tx.contacts.upsert(ctx.workspace.id, contacts);
      // The webhook says something changed (maybe only engagement): re-qualify even if the snapshot did not.
      await tx.contacts.markPending(
        ctx.workspace.id,
        contacts.map((c) => c.id),
      );
    });
    await settleContacts(ctx, { ids });
    const { summary, done } = finish();
    await done;
    return summary;
  } catch (err) {
    await finish(err).done.catch(() => undefined);
    throw err;
  }
}
