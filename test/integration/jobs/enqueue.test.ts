/**
 * Manual sync requests on a real Redis: a second "sync now" while one waits is a no-op, but a full
 * resync is never swallowed by a waiting incremental sync (nor the other way round), and the
 * request says which happened.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { enqueueSync } from '../../../jobs/enqueue.ts';
import { closeQueues, createQueues } from '../../../jobs/worker.ts';
import { redisForTests } from '../../helpers/redis.ts';

let redis: ReturnType<typeof redisForTests>;
let queues: ReturnType<typeof createQueues>;
beforeEach(() => {
  redis = redisForTests();
  queues = createQueues(redis.connect(), redis.prefix);
});
afterEach(async () => {
  await closeQueues(queues);
  await redis.cleanup();
});

async function waiting(): Promise<{ workspaceId: string; full?: boolean }[]> {
  const jobs = await queues.sync.getJobs(['waiting']);
  return jobs.map((j) => j.data as { workspaceId: string; full?: boolean });
}

describe('when an admin asks for syncs of one workspace', () => {
  it('should queue a full resync while an incremental sync waits', async () => {
    const sync = await enqueueSync(queues.sync, { workspaceId: 'w1' });
    const full = await enqueueSync(queues.sync, { workspaceId: 'w1', full: true });
    expect([sync.queued, full.queued]).toStrictEqual([true, true]);
    expect(full.kind).toBe('full');
    expect(full.jobId).not.toBe(sync.jobId);
    const data = await waiting();
    expect(data.filter((d) => d.full === true)).toHaveLength(1);
    expect(data).toHaveLength(2);
  });

  it('should queue an incremental sync while a full resync waits', async () => {
    await enqueueSync(queues.sync, { workspaceId: 'w1', full: true });
    const sync = await enqueueSync(queues.sync, { workspaceId: 'w1' });
    expect(sync.queued).toBe(true);
    expect(await waiting()).toHaveLength(2);
  });

  it('should not queue the same kind twice, and name the job already waiting', async () => {
    const first = await enqueueSync(queues.sync, { workspaceId: 'w1', full: true });
    const again = await enqueueSync(queues.sync, { workspaceId: 'w1', full: true });
    expect(again).toStrictEqual({ jobId: first.jobId, kind: 'full', queued: false });
    const syncs = [
      await enqueueSync(queues.sync, { workspaceId: 'w1' }),
      await enqueueSync(queues.sync, { workspaceId: 'w1' }),
    ];
    expect(syncs.map((s) => s.queued)).toStrictEqual([true, false]);
    expect(await waiting()).toHaveLength(2);
  });

  it('should keep workspaces apart', async () => {
    await enqueueSync(queues.sync, { workspaceId: 'w1', full: true });
    const other = await enqueueSync(queues.sync, { workspaceId: 'w2', full: true });
    expect(other.queued).toBe(true);
  });
});
