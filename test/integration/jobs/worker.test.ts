import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { enqueueRequalify } from '../../../jobs/enqueue.ts';
import {
  createQueues,
  startWorkers,
  type RunningWorkers,
  type WorkerHandlers,
} from '../../../jobs/worker.ts';
import { syncSchedules } from '../../../jobs/schedulers.ts';
import { AuthError, RateLimitedError, TransientError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import { redisForTests } from '../../helpers/redis.ts';

let redis: ReturnType<typeof redisForTests>;
let running: RunningWorkers | undefined;

beforeEach(() => {
  redis = redisForTests();
});
afterEach(async () => {
  await running?.close();
  running = undefined;
  await redis.cleanup();
});

const noop: WorkerHandlers = { runSync: () => Promise.resolve(), requalify: () => Promise.resolve() };

function start(handlers: Partial<WorkerHandlers>) {
  running = startWorkers({
    connection: redis.connect(),
    prefix: redis.prefix,
    handlers: { ...noop, ...handlers },
    log: silentLogger,
  });
  return running;
}

/** Polls the job's state: event subscriptions can miss a job that finishes before they listen. */
async function finished(job: Job): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return state;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${job.id} did not finish in 20 s`);
}

describe('when workspaces are scheduled', () => {
  it('should keep one scheduler per workspace across restarts and drop removed workspaces', async () => {
    const first = createQueues(redis.connect(), redis.prefix);
    await syncSchedules(first.sync, [{ id: 'w1' }, { id: 'w2', intervalMs: 60_000 }]);
    await first.sync.close();
    // A redeploy: new queue objects, same schedules, one workspace gone.
    const second = createQueues(redis.connect(), redis.prefix);
    await syncSchedules(second.sync, [{ id: 'w1', intervalMs: 120_000 }]);
    await syncSchedules(second.sync, [{ id: 'w1', intervalMs: 120_000 }]);
    const schedulers = await second.sync.getJobSchedulers();
    expect(schedulers.map((s) => ({ key: s.key, every: s.every }))).toStrictEqual([
      { key: 'sync:w1', every: 120_000 },
    ]);
    await second.sync.close();
    await second.requalify.close();
    await first.requalify.close();
  });
});

describe('when a sync job meets errors', () => {
  it('should pause for a rate limit without burning an attempt, then complete', async () => {
    let calls = 0;
    const w = start({
      runSync: () => {
        calls++;
        return calls === 1 ? Promise.reject(new RateLimitedError('429', 300)) : Promise.resolve('ok');
      },
    });
    const started = Date.now();
    const job = await w.queues.sync.add('sync', { workspaceId: 'w1' }, { attempts: 1 });
    expect(await finished(job)).toBe('completed');
    expect(calls).toBe(2);
    // The queue honoured the vendor's wait before the second try.
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('should fail at once on a fatal error, however many attempts remain', async () => {
    let calls = 0;
    const w = start({
      runSync: () => {
        calls++;
        return Promise.reject(new AuthError('refresh token revoked'));
      },
    });
    const job = await w.queues.sync.add('sync', { workspaceId: 'w1' }, { attempts: 5, backoff: 10 });
    expect(await finished(job)).toBe('failed');
    const failed = await w.queues.sync.getJob(job.id!);
    expect(calls).toBe(1);
    expect(failed?.failedReason).toBe('invalid_grant: refresh token revoked');
  });

  it('should retry a transient error with backoff until it succeeds', async () => {
    let calls = 0;
    const w = start({
      runSync: () => {
        calls++;
        return calls < 3 ? Promise.reject(new TransientError('502 from vendor')) : Promise.resolve();
      },
    });
    const job = await w.queues.sync.add('sync', { workspaceId: 'w1' }, { attempts: 5, backoff: 20 });
    expect(await finished(job)).toBe('completed');
    expect(calls).toBe(3);
  });

  it('should refuse a payload that is not ids only', async () => {
    const w = start({});
    const job = await w.queues.sync.add('sync', { workspaceId: 'w1', token: 'x' }, { attempts: 1 });
    expect(await finished(job)).toBe('failed');
  });
});

describe('when a burst of webhook events arrives for one contact', () => {
  it('should re-qualify it once', async () => {
    const seen: string[][] = [];
    const w = start({
      requalify: (job) => {
        seen.push(job.contactIds);
        return Promise.resolve();
      },
    });
    for (let i = 0; i < 5; i++) await enqueueRequalify(w.queues.requalify, 'w1', ['c1', 'c2'], 300);
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.map((ids) => ids.join()).sort()).toStrictEqual(['c1', 'c2']);
  });
});

describe('when the worker is asked to stop', () => {
  it('should finish the job in hand before closing', async () => {
    let release!: () => void;
    let finishedJob = false;
    let startedJob!: () => void;
    const started = new Promise<void>((r) => (startedJob = r));
    const w = start({
      runSync: async () => {
        startedJob();
        await new Promise<void>((r) => (release = r));
        finishedJob = true;
      },
    });
    await w.queues.sync.add('sync', { workspaceId: 'w1' });
    await started;
    const closing = w.close();
    setTimeout(() => release(), 200);
    await closing;
    running = undefined;
    expect(finishedJob).toBe(true);
  });
});
