/**
 * One job scheduler per workspace (and one daily keep-alive per Mautic OAuth connection), upserted
 * under a stable id, so redeploys and restarts never duplicate schedules; schedulers of deleted
 * workspaces and connections are removed.
 */
import type { Queue } from 'bullmq';

import {
  DEFAULT_SYNC_INTERVAL_MS,
  KEEP_ALIVE_INTERVAL_MS,
  type KeepAliveJob,
  type SyncJob,
} from './queues.ts';

export interface ScheduledWorkspace {
  id: string;
  /** @default DEFAULT_SYNC_INTERVAL_MS */
  intervalMs?: number | null;
}

export const schedulerId = (workspaceId: string) => `sync:${workspaceId}`;
export const keepAliveSchedulerId = (connectionId: string) => `keep-alive:${connectionId}`;

export async function syncSchedules(queue: Queue, workspaces: ScheduledWorkspace[]): Promise<void> {
  const wanted = new Set(workspaces.map((w) => schedulerId(w.id)));
  for (const w of workspaces) {
    const data: SyncJob = { workspaceId: w.id };
    await queue.upsertJobScheduler(
      schedulerId(w.id),
      { every: w.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS },
      { name: 'sync', data },
    );
  }
  await removeUnwanted(queue, 'sync:', wanted);
}

/** A daily keep-alive per connection; the first one runs right away (a refresh is cheap and checks the token). */
export async function syncKeepAliveSchedules(queue: Queue, connectionIds: string[]): Promise<void> {
  const wanted = new Set(connectionIds.map(keepAliveSchedulerId));
  for (const connectionId of connectionIds) {
    const data: KeepAliveJob = { connectionId };
    await queue.upsertJobScheduler(
      keepAliveSchedulerId(connectionId),
      { every: KEEP_ALIVE_INTERVAL_MS },
      { name: 'keep-alive', data },
    );
  }
  await removeUnwanted(queue, 'keep-alive:', wanted);
}

async function removeUnwanted(queue: Queue, kind: string, wanted: Set<string>): Promise<void> {
  // getJobSchedulers pages; ask for all of them (-1 is BullMQ's "to the end").
  for (const existing of await queue.getJobSchedulers(0, -1)) {
    if (existing.key.startsWith(kind) && !wanted.has(existing.key)) {
      await queue.removeJobScheduler(existing.key);
    }
  }
}

/** One workspace's schedule, set at once (the console's settings) rather than at the next reconcile. */
export async function scheduleWorkspace(
  queue: Queue,
  workspaceId: string,
  intervalMs: number,
): Promise<void> {
  const data: SyncJob = { workspaceId };
  await queue.upsertJobScheduler(schedulerId(workspaceId), { every: intervalMs }, { name: 'sync', data });
}

export async function unscheduleWorkspace(queue: Queue, workspaceId: string): Promise<void> {
  await queue.removeJobScheduler(schedulerId(workspaceId));
}

/** When the workspace's next scheduled sync runs; null before a worker or the console scheduled it. */
export async function nextScheduledRun(queue: Queue, workspaceId: string): Promise<Date | null> {
  const scheduler = await queue.getJobScheduler(schedulerId(workspaceId));
  return scheduler?.next ? new Date(scheduler.next) : null;
}
