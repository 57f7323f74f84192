/**
 * Keeps the queues' schedules equal to what the database says: every workspace syncs on its own
 * interval, every active Mautic OAuth connection gets its daily keep-alive. Every worker runs this at
 * start and then periodically; a short Redis lock lets one of them do it at a time, so two workers
 * reading the database a moment apart never undo each other's work.
 */
import { randomUUID } from 'node:crypto';

import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import type { Logger } from '../src/log.ts';
import type { Store } from '../src/store/index.ts';

import { syncKeepAliveSchedules, syncSchedules } from './schedulers.ts';

export interface ScheduleQueues {
  sync: Queue;
  maintenance: Queue;
}

export interface ReconcileResult {
  workspaces: number;
  keepAlive: number;
}

const LOCK_TTL_MS = 30_000;

// Deletes the lock only when we still own it (it may have expired and been taken by another worker).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Mautic connections whose tokens can be kept alive: OAuth2 credentials, not flagged for reconnect. */
export async function keepAliveConnections(store: Store, log: Logger): Promise<string[]> {
  const ids: string[] = [];
  for (const c of await store.connections.list()) {
    if (c.vendor !== 'mautic' || !c.hasCredentials || c.status !== 'active') continue;
    try {
      if ((await store.connections.readCredentials(c.id)).kind === 'oauth2') ids.push(c.id);
    } catch (err) {
      // An unreadable credential (rotated key) must not stop the other schedules.
      log.warn('cannot read connection credentials; no keep-alive scheduled', {
        connection: c.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return ids;
}

/** @returns null when another worker is reconciling right now. */
export async function reconcileSchedules(
  redis: Redis,
  prefix: string,
  store: Store,
  queues: ScheduleQueues,
  log: Logger,
): Promise<ReconcileResult | null> {
  const lockKey = `${prefix}:schedules:lock`;
  const owner = randomUUID();
  if ((await redis.set(lockKey, owner, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') return null;
  try {
    const workspaces = await store.workspaces.list();
    await syncSchedules(
      queues.sync,
      workspaces.map((w) => ({ id: w.id, intervalMs: w.scheduleIntervalMinutes * 60_000 })),
    );
    const connections = await keepAliveConnections(store, log);
    await syncKeepAliveSchedules(queues.maintenance, connections);
    return { workspaces: workspaces.length, keepAlive: connections.length };
  } finally {
    await redis.eval(RELEASE, 1, lockKey, owner).catch(() => undefined);
  }
}

/** Reconciles now and every `intervalMs`; failures are logged and retried on the next tick. */
export function startScheduleReconciler(
  run: () => Promise<ReconcileResult | null>,
  intervalMs: number,
  log: Logger,
): { stop(): Promise<void>; ready: Promise<void> } {
  let running: Promise<void> | null = null;
  let last = '';
  const tick = (): Promise<void> => {
    // A slow database must not pile reconciles up behind each other.
    running ??= run()
      .then((result) => {
        if (!result) return;
        const summary = `${result.workspaces}/${result.keepAlive}`;
        // Log when something changed, not every minute.
        if (summary !== last) log.info('schedules reconciled', { ...result });
        last = summary;
      })
      .catch((err: unknown) =>
        log.warn('schedule reconcile failed; retrying on the next tick', {
          error: err instanceof Error ? err.message : String(err),
        }),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const ready = tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return {
    ready,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
