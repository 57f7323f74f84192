/** Shared set-up of a run: the workspace, its compiled model, its connectors and the run's tallies. */
import { slaWebhookBox, slaWebhookFor } from '../sla/webhook.ts';
import type { Store, Workspace } from '../store/index.ts';

import { ApiCallTally } from './api-calls.ts';
import { type ConnectorDeps, openConnectors } from './connectors.ts';
import { workspaceModel } from './engine.ts';
import { emptyTally, type RunContext, tuningOf } from './run-context.ts';
import type { PipelineOptions, SyncProgress } from './types.ts';

export async function resolveWorkspace(store: Store, workspace: string | Workspace): Promise<Workspace> {
  return typeof workspace === 'string' ? store.workspaces.require(workspace) : workspace;
}

export async function prepareRun(
  options: PipelineOptions & { onProgress?: ((p: SyncProgress) => void | Promise<void>) | undefined },
  workspaceRef: string | Workspace,
  connectorDeps: Pick<ConnectorDeps, 'credentials'> = {},
): Promise<RunContext> {
  const clock = options.now ?? (() => new Date());
  const workspace = await resolveWorkspace(options.store, workspaceRef);
  const model = await workspaceModel(workspace, options.compileModel);
  const calls = new ApiCallTally();
  const log = options.log.child({ workspace: workspace.name });
  const tally = emptyTally();
  const { source, crm } = await openConnectors(
    {
      store: options.store,
      registry: options.registry,
      limiter: options.limiter,
      log,
      now: options.now,
      calls,
      ...connectorDeps,
      warn: (w) => {
        tally.warnings.push(`${w.vendor} ${w.stream} skipped: ${w.message}`);
      },
    },
    workspace,
  );
  const ctx: RunContext = {
    step: 'start',
    store: options.store,
    workspace,
    model,
    source,
    crm,
    log,
    at: clock(),
    clock,
    tuning: tuningOf(options),
    tally,
    calls,
    slaWebhook:
      options.slaWebhook === undefined
        ? slaWebhookFor(workspace.settings, slaWebhookBox(options.store, workspace.id))
        : options.slaWebhook,
    progress: async (p) => {
      ctx.step = p.step;
      await options.onProgress?.(p);
    },
  };
  return ctx;
}
