/**
 * What the worker's jobs do, bound to the store, the connector registry and the shared rate limiter:
 * a sync job is one pipeline run, a re-qualification job one `requalifyContacts`, a keep-alive one
 * Mautic `keepAlive()`. Payloads carry ids only; everything else is read from the store here.
 */
import type { ConnectorRegistry } from '../src/pipeline/registry.ts';
import type { RateLimiter } from '../src/http/rate-limiter.ts';
import type { Logger } from '../src/log.ts';
import { ApiCallTally, requalifyContacts, runSync, type SyncSummary } from '../src/pipeline/index.ts';
import type { Store } from '../src/store/index.ts';

import type { JobProgress, WorkerHandlers } from './worker.ts';

export interface HandlerDeps {
  store: Store;
  registry: ConnectorRegistry;
  limiter: RateLimiter;
  log: Logger;
  /** Progress updates are Redis writes: at most one per this interval within a step. @default 1000 */
  progressEveryMs?: number;
}

/** What a finished job keeps as its return value: counts, no contact data. */
export interface JobOutcome {
  runId: string | null;
  workspaceId: string;
  pulled: SyncSummary['pulled'];
  qualified: number;
  writtenBack: number;
  handedOff: number;
  crmCreated: number;
  recordErrors: number;
  durationMs: number;
}

export type SkippedJob = { skipped: string };

function outcome(s: SyncSummary): JobOutcome {
  return {
    runId: s.runId,
    workspaceId: s.workspace.id,
    pulled: s.pulled,
    qualified: s.qualified,
    writtenBack: s.writtenBack,
    handedOff: s.handedOff,
    crmCreated: s.crmCreated,
    recordErrors: s.errors.length,
    durationMs: s.durationMs,
  };
}

/** Forwards every step change, and within a step at most one update per `everyMs`. */
export function throttledProgress(
  send: (p: JobProgress) => Promise<void>,
  everyMs: number,
  now: () => number = Date.now,
): (p: JobProgress) => Promise<void> {
  let lastStep = '';
  let lastAt = 0;
  return async (p) => {
    const t = now();
    if (p.step === lastStep && t - lastAt < everyMs) return;
    lastStep = p.step;
    lastAt = t;
    await send(p);
  };
}

export function pipelineHandlers(deps: HandlerDeps): Required<WorkerHandlers> {
  const { store, registry, limiter, log } = deps;
  return {
    async runSync(job, progress): Promise<JobOutcome | SkippedJob> {
      // A schedule can outlive its workspace by up to one reconcile interval.
      if (!(await store.workspaces.get(job.workspaceId))) {
        log.info('sync skipped: the workspace no longer exists', { workspace: job.workspaceId });
        return { skipped: 'workspace deleted' };
      }
      const summary = await runSync({
        store,
        registry,
        limiter,
        log,
        workspace: job.workspaceId,
        full: job.full ?? false,
        onProgress: throttledProgress(progress, deps.progressEveryMs ?? 1000),
      });
      return outcome(summary);
    },

    async requalify(job): Promise<JobOutcome | SkippedJob> {
      if (!(await store.workspaces.get(job.workspaceId))) return { skipped: 'workspace deleted' };
      const summary = await requalifyContacts(store, job.workspaceId, job.contactIds, {
        registry,
        limiter,
        log,
      });
      return outcome(summary);
    },

    async keepAlive(job): Promise<{ result: string }> {
      const connection = await store.connections.get(job.connectionId);
      if (!connection) return { result: 'connection deleted' };
      const connector = registry.sourceConnector(connection.vendor).create({
        connection: store.connections.info(connection),
        credentials: store.connections.credentialStore(connection.id),
        limiter,
        calls: new ApiCallTally(),
        log: log.child({ vendor: connection.vendor, connection: connection.id }),
      });
      // Only sources whose tokens die when idle (Mautic) have a keep-alive.
      const keepAlive = (connector as { keepAlive?: () => Promise<string> }).keepAlive;
      if (typeof keepAlive !== 'function') return { result: 'not needed' };
      const result = await keepAlive.call(connector);
      if (result === 'needs_reconnect') {
        log.warn('connection needs to be reconnected by an admin', {
          vendor: connection.vendor,
          connection: connection.id,
        });
      } else if (result === 'refreshed') {
        log.info('connection tokens renewed', { vendor: connection.vendor, connection: connection.id });
      }
      return { result };
    },
  };
}
