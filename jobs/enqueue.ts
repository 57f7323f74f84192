/** Producers: what the web app and the CLI put on the queues. */
import { randomUUID } from 'node:crypto';

import type { Queue } from 'bullmq';

import { REQUALIFY_DEBOUNCE_MS, type RequalifyJob, type SyncJob } from './queues.ts';

/** What a sync request did: queued a new job, or found the same kind already queued or running. */
export interface SyncRequest {
  jobId: string;
  kind: 'sync' | 'full';
  /** False when a job of the same kind was already waiting or running: nothing new was queued. */
  queued: boolean;
}

/**
 * A manual "sync now" or full resync; one of each kind at a time per workspace. The two kinds
 * deduplicate apart: a full resync asked for while an incremental sync waits is queued too (the
 * incremental one would not re-read what the full one exists to re-read). Runs of one workspace
 * never overlap: the later job finds the run lock taken and retries (TransientError).
 */
export async function enqueueSync(queue: Queue, job: SyncJob): Promise<SyncRequest> {
  const kind = job.full ? 'full' : 'sync';
  // Our own id tells whether BullMQ added this job or answered with the one it deduplicated into.
  const ours = randomUUID();
  const added = await queue.add('sync', job, {
    jobId: ours,
    deduplication: { id: `${kind === 'full' ? 'sync-full' : 'sync-now'}:${job.workspaceId}` },
  });
  const jobId = String(added.id);
  return { jobId, kind, queued: jobId === ours };
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
