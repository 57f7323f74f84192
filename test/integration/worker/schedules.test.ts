/**
 * Schedules kept by the worker service against the real PostgreSQL and Redis: one per workspace,
 * unchanged by restarts, following the database; a daily keep-alive per Mautic OAuth connection.
 */
import type { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { WorkerService } from '../../../jobs/service.ts';
import { redisForTests } from '../../helpers/redis.ts';
import {
  createWorkspace,
  mauticConnection,
  openWorkerTestDb,
  type Sandboxes,
  serveSandboxes,
  startInProcessWorker,
  testSettings,
  waitFor,
  type WorkerTestDb,
} from './helpers.ts';

let db: WorkerTestDb;
let sb: Sandboxes;
let redis: ReturnType<typeof redisForTests>;
const services: WorkerService[] = [];

beforeEach(async () => {
  db = await openWorkerTestDb();
  sb = await serveSandboxes({ contacts: 5 });
  redis = redisForTests();
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  await redis.cleanup();
  await sb.close();
  await db.cleanup();
});

async function start(): Promise<WorkerService> {
  const service = await startInProcessWorker(
    redis.connect(),
    await db.openAnother(),
    testSettings(redis.prefix),
  );
  services.push(service);
  return service;
}

async function stop(service: WorkerService): Promise<void> {
  services.splice(services.indexOf(service), 1);
  await service.stop();
}

const MINUTE = 60_000;

async function schedules(queue: Queue) {
  const all = await queue.getJobSchedulers();
  return all
    .map((s) => ({ key: s.key, every: s.every, next: s.next }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Jobs of each scheduler that are still to run: never more than one, or a schedule was duplicated. */
async function pendingPerScheduler(queue: Queue): Promise<Map<string, number>> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
  const counts = new Map<string, number>();
  for (const job of jobs) {
    const key = job.repeatJobKey ?? 'manual';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('when workers restart and workspaces change', () => {
  it('should keep exactly one schedule per workspace, following the database', async () => {
    const { store } = db;
    const alpha = await createWorkspace(store, sb, { name: 'alpha', source: 'mautic' });
    const beta = await createWorkspace(store, sb, {
      name: 'beta',
      source: 'mautic',
      scheduleIntervalMinutes: 5,
    });

    const first = await start();
    const firstQueue = first.running.queues.sync;
    expect((await schedules(firstQueue)).map(({ key, every }) => ({ key, every }))).toStrictEqual(
      [
        { key: `sync:${alpha.id}`, every: 15 * MINUTE },
        { key: `sync:${beta.id}`, every: 5 * MINUTE },
      ].sort((a, b) => a.key.localeCompare(b.key)),
    );
    // Each new schedule runs once at once; after that, the next run waits for its interval.
    await waitFor('the first runs', async () => (await firstQueue.getCompletedCount()) === 2);
    const settled = await schedules(firstQueue);

    // A redeploy: the old worker goes, two new ones start and reconcile at once.
    await stop(first);
    const second = await start();
    const third = await start();
    const queue = second.running.queues.sync;
    // Same schedulers, same next run: nothing was re-created or run again.
    expect(await schedules(queue)).toStrictEqual(settled);
    expect(await schedules(third.running.queues.sync)).toStrictEqual(settled);
    for (const n of (await pendingPerScheduler(queue)).values()) expect(n).toBe(1);
    expect(await queue.getCompletedCount()).toBe(2);

    // The database changes; the periodic reconcile follows.
    await store.workspaces.update(beta.id, { scheduleIntervalMinutes: 30 });
    await store.workspaces.delete(alpha.id);
    const gamma = await createWorkspace(store, sb, { name: 'gamma', source: 'mautic' });
    const expected = [
      { key: `sync:${beta.id}`, every: 30 * MINUTE },
      { key: `sync:${gamma.id}`, every: 15 * MINUTE },
    ].sort((a, b) => a.key.localeCompare(b.key));
    await waitFor('the schedules to follow the database', async () => {
      const now = (await schedules(queue)).map(({ key, every }) => ({ key, every }));
      return JSON.stringify(now) === JSON.stringify(expected);
    });
    // (BullMQ starts a schedule whose interval changed afresh, so beta may run once more too.)
    await waitFor('the new workspace to run once', async () =>
      (await queue.getJobs(['completed'])).some((j) => j.repeatJobKey === `sync:${gamma.id}`),
    );
    const pending = await pendingPerScheduler(queue);
    expect([...pending.keys()].sort()).toStrictEqual(expected.map((e) => e.key));
    for (const n of pending.values()) expect(n).toBe(1);
  });
});

describe('when a Mautic OAuth connection is idle', () => {
  it('should renew its refresh token from a daily keep-alive job, and drop the job with the connection', async () => {
    const { store } = db;
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 60 * MINUTE);
    const idle = await mauticConnection(store, sb, eightDaysAgo);
    const before = await store.connections.readCredentials(idle.id);

    const service = await start();
    const queue = service.running.queues.maintenance;
    expect((await queue.getJobSchedulers()).map((s) => [s.key, s.every])).toStrictEqual([
      [`keep-alive:${idle.id}`, 24 * 60 * MINUTE],
    ]);
    const [job] = await waitFor('the keep-alive to run', async () => {
      const done = await queue.getJobs(['completed']);
      return done.length ? done : undefined;
    });
    expect(job!.returnvalue).toStrictEqual({ result: 'refreshed' });
    const oauth = async () => {
      const c = await store.connections.readCredentials(idle.id);
      return c.kind === 'oauth2' ? c : null;
    };
    const after = await oauth();
    expect(after?.refreshToken).toBeDefined();
    expect(after?.refreshToken).not.toBe(before.kind === 'oauth2' ? before.refreshToken : undefined);
    expect(Date.parse(after?.refreshedAt ?? '')).toBeGreaterThan(eightDaysAgo.getTime());

    await store.connections.delete(idle.id);
    await waitFor('the keep-alive schedule to go', async () => (await queue.getJobSchedulersCount()) === 0);
  });
});
