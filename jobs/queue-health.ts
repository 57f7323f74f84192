/**
 * Is anyone consuming? A worker can be connected (it reconnected after a Redis restart) and still
 * not take jobs; the sign is work waiting longer than it ever should while nothing is active.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import { type Heartbeat, readHeartbeats } from './heartbeat.ts';

export interface QueueHealth {
  queue: string;
  workers: number;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  oldestWaitingMs: number | null;
  consuming: boolean;
}

/** @param stuckAfterMs how long a job may wait with nothing active before the queue counts as stuck */
export async function queueHealth(
  queue: Queue,
  stuckAfterMs = 120_000,
  now = Date.now(),
): Promise<QueueHealth> {
  const [counts, workers, oldest] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
    queue.getWorkersCount(),
    queue.getJobs(['waiting'], 0, 0, true),
  ]);
  const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  const active = counts.active ?? 0;
  const first = oldest[0];
  const oldestWaitingMs = first ? now - first.timestamp : null;
  const stuck = waiting > 0 && active === 0 && oldestWaitingMs !== null && oldestWaitingMs > stuckAfterMs;
  return {
    queue: queue.name,
    workers,
    waiting,
    active,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    oldestWaitingMs,
    consuming: workers > 0 && !stuck,
  };
}

export interface ServiceHealth {
  queues: QueueHealth[];
  /** Worker processes with a live heartbeat. */
  workers: Heartbeat[];
  /**
   * At least one worker process says it consumes, and no queue has work stuck waiting: a worker
   * that reconnected after a Redis restart but stopped taking jobs fails the second half.
   */
  consuming: boolean;
}

/** What the web's /healthz reports for the workers: queues plus the workers' heartbeats. */
export async function serviceHealth(
  redis: Redis,
  prefix: string,
  queues: Queue[],
  stuckAfterMs = 120_000,
  now = Date.now(),
): Promise<ServiceHealth> {
  const [perQueue, workers] = await Promise.all([
    Promise.all(queues.map((q) => queueHealth(q, stuckAfterMs, now))),
    readHeartbeats(redis, prefix),
  ]);
  const stuck = perQueue.some(
    (q) => q.waiting > 0 && q.active === 0 && (q.oldestWaitingMs ?? 0) > stuckAfterMs,
  );
  return { queues: perQueue, workers, consuming: workers.some((w) => w.consuming) && !stuck };
}
