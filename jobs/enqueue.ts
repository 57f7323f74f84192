/** Producers: what the web app and the CLI put on the queues. */
import type { Queue } from 'bullmq';

import { REQUALIFY_DEBOUNCE_MS, type RequalifyJob, type SyncJob } from './queues.ts';

/** A manual "sync now"; one at a time per workspace (a second request while one waits is a no-op). */
export async function enqueueSync(queue: Queue, job: SyncJob): Promise<string | undefined> {
  const added = await queue.add('sync', job, { deduplication: { id: `sync-now:${job.workspaceId}` } });
  return added.id;
}

/**
 * Webhook-driven re-qualification, debounced per contact: every event in a burst pushes the same
 * delayed job further out, so the burst costs one evaluation.
 */
export async function enqueueRequalify(
  queue: Queue,
  workspaceId: string,
  contactIds: string[],
  debounceMs = REQUALIFY_DEBOUNCE_MS,
): Promise<void> {
  for (const contactId of new Set(contactIds)) {
    const data: RequalifyJob = { workspaceId, contactIds: [contactId] };
    await queue.add('requalify', data, {
      delay: debounceMs,
      deduplication: {
        id: `requalify:${workspaceId}:${contactId}`,
        ttl: debounceMs,
        extend: true,
        replace: true,
      },
    });
  }
}
