/**
 * Queue names, payload schemas and default job options. Payloads carry ids only: everything else is
 * read from the store when the job runs.
 */
import { z } from 'zod';

export const SYNC_QUEUE = 'leadstage-sync';
export const REQUALIFY_QUEUE = 'leadstage-requalify';
/** Housekeeping that is not a sync: keeping idle OAuth connections alive. */
export const MAINTENANCE_QUEUE = 'leadstage-maintenance';

/** Hash-tagged so every queue key lands in one slot on Redis Cluster. */
export const DEFAULT_PREFIX = '{leadstage}';

export const syncJobSchema = z
  .object({ workspaceId: z.string().min(1), full: z.boolean().optional() })
  .strict();
export type SyncJob = z.infer<typeof syncJobSchema>;

export const requalifyJobSchema = z
  .object({ workspaceId: z.string().min(1), contactIds: z.array(z.string().min(1)).min(1) })
  .strict();
export type RequalifyJob = z.infer<typeof requalifyJobSchema>;

export const keepAliveJobSchema = z.object({ connectionId: z.string().min(1) }).strict();
export type KeepAliveJob = z.infer<typeof keepAliveJobSchema>;

/** Transient failures retry with exponential backoff and jitter; failed jobs stay inspectable. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
  removeOnComplete: { count: 500 },
  removeOnFail: { count: 5_000 },
} as const;

/** A burst of webhook events for one contact costs one evaluation after this quiet period. */
export const REQUALIFY_DEBOUNCE_MS = 5_000;

/** @default 15 minutes, per workspace schedule otherwise. */
export const DEFAULT_SYNC_INTERVAL_MS = 15 * 60_000;

/** Mautic refresh tokens die after 14 idle days: a daily keep-alive leaves plenty of margin. */
export const KEEP_ALIVE_INTERVAL_MS = 24 * 60 * 60_000;
