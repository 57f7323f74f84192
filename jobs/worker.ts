/**
 * The worker process's consumers. What a job does is injected (`runSync`, `requalify`), so this
 * module knows queues, retries and shutdown, never business rules.
 */
import { randomUUID } from 'node:crypto';

import { type ConnectionOptions, type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

import type { Logger } from '../src/log.ts';

import { runGuarded } from './job-errors.ts';
import {
  DEFAULT_JOB_OPTIONS,
  DEFAULT_PREFIX,
  REQUALIFY_QUEUE,
  SYNC_QUEUE,
  type RequalifyJob,
  type SyncJob,
  requalifyJobSchema,
  syncJobSchema,
} from './queues.ts';

export interface JobProgress {
  step: string;
  done: number;
  total?: number;
}

export interface WorkerHandlers {
  runSync(job: SyncJob, progress: (p: JobProgress) => Promise<void>): Promise<unknown>;
  requalify(job: RequalifyJob): Promise<unknown>;
}

export interface WorkerOptions {
  connection: Redis;
  handlers: WorkerHandlers;
  log: Logger;
  prefix?: string;
  concurrency?: number;
  /** Stalled-job detection: a killed worker's job is handed to another after about this long. @default 30000 */
  lockDurationMs?: number;
}

export interface RunningWorkers {
  id: string;
  queues: { sync: Queue; requalify: Queue };
  workers: Worker[];
  /** Finishes the jobs in hand (or hands them back after `timeoutMs`), then disconnects. */
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix = DEFAULT_PREFIX) {
  return {
    sync: new Queue(SYNC_QUEUE, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
    requalify: new Queue(REQUALIFY_QUEUE, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
  };
}

export function startWorkers(options: WorkerOptions): RunningWorkers {
  const { connection, handlers, log } = options;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const id = randomUUID();
  const queues = createQueues(connection, prefix);
  const common = {
    connection,
    prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: Math.max(1000, Math.floor((options.lockDurationMs ?? 30_000) / 2)),
    // Manual rate limiting (queue.rateLimit) needs a limiter on the worker; this one never binds.
    limiter: { max: 10_000, duration: 1000 },
  };

  const sync = new Worker<SyncJob>(
    SYNC_QUEUE,
    (job: Job<SyncJob>) =>
      runGuarded(queues.sync, () => {
        const data = syncJobSchema.parse(job.data);
        return handlers.runSync(data, (p) => job.updateProgress({ ...p }));
      }),
    common,
  );
  const requalify = new Worker<RequalifyJob>(
    REQUALIFY_QUEUE,
    (job: Job<RequalifyJob>) =>
      runGuarded(queues.requalify, () => handlers.requalify(requalifyJobSchema.parse(job.data))),
    common,
  );
  const workers = [sync, requalify];
  for (const w of workers) {
    w.on('failed', (job, err) =>
      log.warn('job failed', {
        queue: w.name,
        job: job?.id,
        attempts: job?.attemptsMade,
        error: err.message,
      }),
    );
    w.on('error', (err) => log.error('worker error', { queue: w.name, error: err.message }));
  }
  log.info('worker started', { worker: id, queues: [SYNC_QUEUE, REQUALIFY_QUEUE] });

  return {
    id,
    queues,
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([queues.sync.close(), queues.requalify.close()]);
    },
  };
}
