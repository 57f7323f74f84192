/**
 * The worker process's consumers. What a job does is injected (`runSync`, `requalify`, `keepAlive`),
 * so this module knows queues, retries and shutdown, never business rules.
 */
import { randomUUID } from 'node:crypto';

import { type ConnectionOptions, type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

import type { Logger } from '../src/log.ts';

import { runGuarded } from './job-errors.ts';
import {
  DEFAULT_JOB_OPTIONS,
  DEFAULT_PREFIX,
  MAINTENANCE_QUEUE,
  REQUALIFY_QUEUE,
  SYNC_QUEUE,
  type KeepAliveJob,
  type RequalifyJob,
  type SyncJob,
  keepAliveJobSchema,
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
  /** Daily maintenance of one connection; absent → keep-alive jobs complete as no-ops. */
  keepAlive?(job: KeepAliveJob): Promise<unknown>;
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

export interface CloseOptions {
  /**
   * How long the jobs in hand may take to finish; after that they are handed back to the queue
   * (another worker takes them at once) and the consumers close without waiting. @default forever
   */
  timeoutMs?: number;
}

export interface RunningWorkers {
  id: string;
  queues: Queues;
  workers: Worker[];
  /** Jobs in hand right now. */
  active(): number;
  /** When a job last finished here (completed or failed). */
  lastJobAt(): Date | null;
  /** Every consumer runs and takes jobs (false while closing, or when one fell out of its loop). */
  consuming(): boolean;
  /** Restarts a consumer that fell out of its loop (e.g. after a long Redis outage); returns how many. */
  revive(): number;
  /** Stops taking jobs, finishes the jobs in hand (or hands them back after `timeoutMs`), closes. */
  close(options?: CloseOptions): Promise<{ handedBack: string[] }>;
}

export type Queues = ReturnType<typeof createQueues>;

/**
 * @param onError connection errors the queues see (Redis down); without a listener BullMQ prints
 *   each one to the console, and whoever owns the connection reports the outage already.
 */
export function createQueues(
  connection: ConnectionOptions,
  prefix = DEFAULT_PREFIX,
  onError: (err: Error) => void = () => undefined,
) {
  const queue = (name: string) => {
    const q = new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    q.on('error', onError);
    return q;
  };
  return {
    sync: queue(SYNC_QUEUE),
    requalify: queue(REQUALIFY_QUEUE),
    maintenance: queue(MAINTENANCE_QUEUE),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/** How long closing the consumers may take once no job is in hand. */
const CLOSE_GRACE_MS = 3_000;

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());
}

interface InFlight {
  job: Job;
  token: string | undefined;
  done: Promise<unknown>;
}

export function startWorkers(options: WorkerOptions): RunningWorkers {
  const { connection, handlers, log } = options;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const id = randomUUID();
  const queues = createQueues(connection, prefix, (err) =>
    log.debug('queue connection error', { error: err.message }),
  );
  const lockDuration = options.lockDurationMs ?? 30_000;
  const common = {
    // Stored on every job as `processedBy`: which worker process ran it (its heartbeat says where).
    name: id,
    connection,
    prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    // Manual rate limiting (queue.rateLimit) needs a limiter on the worker; this one never binds.
    limiter: { max: 10_000, duration: 1000 },
  };
  const inFlight = new Map<string, InFlight>();
  let lastJobAt: Date | null = null;
  let closing = false;

  /** Wraps a processor: tracks the job in hand (for shutdown) and maps errors to retry semantics. */
  const processor =
    <T>(queue: Queue, work: (job: Job<T>) => Promise<unknown>) =>
    (job: Job<T>, token?: string) => {
      const key = `${queue.name}:${job.id ?? randomUUID()}`;
      const done = runGuarded(queue, () => work(job)).finally(() => {
        inFlight.delete(key);
        lastJobAt = new Date();
      });
      inFlight.set(key, { job, token, done });
      return done;
    };

  const sync = new Worker<SyncJob>(
    SYNC_QUEUE,
    processor<SyncJob>(queues.sync, (job) => {
      const data = syncJobSchema.parse(job.data);
      return handlers.runSync(data, (p) => job.updateProgress({ ...p }));
    }),
    common,
  );
  const requalify = new Worker<RequalifyJob>(
    REQUALIFY_QUEUE,
    processor<RequalifyJob>(queues.requalify, (job) =>
      handlers.requalify(requalifyJobSchema.parse(job.data)),
    ),
    common,
  );
  const maintenance = new Worker<KeepAliveJob>(
    MAINTENANCE_QUEUE,
    processor<KeepAliveJob>(queues.maintenance, async (job) => {
      const data = keepAliveJobSchema.parse(job.data);
      return handlers.keepAlive ? handlers.keepAlive(data) : null;
    }),
    // Keep-alives are few and quick: one at a time is plenty.
    { ...common, concurrency: 1 },
  );
  const workers = [sync, requalify, maintenance];
  for (const w of workers) {
    w.on('failed', (job, err) =>
      log.warn('job failed', {
        queue: w.name,
        job: job?.id,
        attempts: job?.attemptsMade,
        error: err.message,
      }),
    );
    w.on('stalled', (jobId) =>
      log.warn('stalled job handed back to the queue', { queue: w.name, job: jobId }),
    );
    w.on('error', (err) => {
      // During a Redis outage every retry errors; the service logs the outage once instead.
      if (connection.status === 'ready') log.error('worker error', { queue: w.name, error: err.message });
      else log.debug('worker error while Redis is away', { queue: w.name, error: err.message });
    });
  }
  log.info('worker started', {
    worker: id,
    queues: workers.map((w) => w.name),
    concurrency: common.concurrency,
  });

  const handBack = async (): Promise<string[]> => {
    const handed: string[] = [];
    for (const { job, token } of inFlight.values()) {
      try {
        // Back to waiting now, instead of after the lock expires and stall detection notices.
        await job.moveToWait(token);
        handed.push(String(job.id));
      } catch (err) {
        log.warn('could not hand a job back; stall detection will', {
          job: job.id,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return handed;
  };

  return {
    id,
    queues,
    workers,
    active: () => inFlight.size,
    lastJobAt: () => lastJobAt,
    consuming: () => !closing && workers.every((w) => w.isRunning() && !w.isPaused()),
    revive() {
      if (closing) return 0;
      let revived = 0;
      for (const w of workers) {
        if (!w.isRunning() && !w.isPaused() && !w.closing) {
          revived++;
          w.run().catch((err: Error) =>
            log.error('worker loop ended', { queue: w.name, error: err.message }),
          );
        }
      }
      return revived;
    },
    async close(closeOptions: CloseOptions = {}) {
      closing = true;
      // Take no new job; the ones in hand keep running.
      await Promise.all(workers.map((w) => w.pause(true)));
      const drained = Promise.allSettled([...inFlight.values()].map((f) => f.done)).then(() => true);
      const finished =
        closeOptions.timeoutMs === undefined
          ? await drained
          : await Promise.race([drained, delay(closeOptions.timeoutMs, false as const)]);
      const handedBack = finished ? [] : await handBack();
      if (handedBack.length) log.warn('jobs handed back to the queue at shutdown', { jobs: handedBack });
      // Forced only when jobs were handed back: their processors may still be unwinding.
      const closed = Promise.all(workers.map((w) => w.close(!finished))).then(() => true);
      // Right after a Redis restart a consumer's close has been seen to wait on a fetch that never
      // ends. Nothing is in hand any more: stop waiting, cut its connections and move on.
      if (!(await Promise.race([closed, delay(CLOSE_GRACE_MS, false)]))) {
        log.debug('consumers slow to close; disconnecting them');
        void Promise.all(workers.map((w) => w.disconnect().catch(() => undefined)));
      }
      await closeQueues(queues);
      return { handedBack };
    },
  };
}
