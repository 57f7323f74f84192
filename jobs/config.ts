/**
 * The worker's own settings, read from the environment once and validated, so a typo in a number
 * names the variable instead of surfacing as a strange BullMQ error.
 */
import { z } from 'zod';

import { parseEnvWith } from '../src/config/env.ts';

import { DEFAULT_PREFIX } from './queues.ts';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const workerEnvSchema = z.object({
  /** Redis key prefix of every queue; the web process and all workers must agree on it. */
  LEADSTAGE_QUEUE_PREFIX: z.string().min(1).default(DEFAULT_PREFIX),
  /** Jobs one worker process runs at once (per queue). */
  LEADSTAGE_WORKER_CONCURRENCY: z.coerce.number().int().positive().max(64).default(1),
  /** A job whose worker stops renewing its lock (killed, frozen) is handed to another after about this long. */
  LEADSTAGE_JOB_LOCK_MS: ms(30_000),
  /** On SIGTERM, how long the job in hand may take to finish before it is handed back to the queue. */
  LEADSTAGE_SHUTDOWN_TIMEOUT_MS: ms(25_000),
  /** How often workspace schedules are reconciled with the database. */
  LEADSTAGE_SCHEDULE_RECONCILE_MS: ms(60_000),
  /** How often a worker writes its heartbeat for the web's /healthz. */
  LEADSTAGE_HEARTBEAT_MS: ms(10_000),
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export function parseWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnvWith(workerEnvSchema, source, 'worker environment');
}
