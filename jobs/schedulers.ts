/**
 * One job scheduler per workspace, upserted under a stable id, so redeploys and restarts never
 * duplicate schedules; schedulers of deleted workspaces are removed.
 */
import type { Queue } from 'bullmq';

import { DEFAULT_SYNC_INTERVAL_MS, type SyncJob } from './queues.ts';

export interface ScheduledWorkspace {
  id: string;
  /** @default DEFAULT_SYNC_INTERVAL_MS */
  intervalMs?: number | null;
}

export const schedulerId = (workspaceId: string) => `sync:${workspaceId}`;

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
  for (const existing of await queue.getJobSchedulers()) {
    if (existing.key.startsWith('sync:') && !wanted.has(existing.key)) {
      await queue.removeJobScheduler(existing.key);
    }
  }
}
