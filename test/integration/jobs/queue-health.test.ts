import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { queueHealth } from '../../../jobs/queue-health.ts';
import { SYNC_QUEUE } from '../../../jobs/queues.ts';
import { createQueues } from '../../../jobs/worker.ts';
import { redisForTests } from '../../helpers/redis.ts';

let redis: ReturnType<typeof redisForTests>;
beforeEach(() => {
  redis = redisForTests();
});
afterEach(async () => {
  await redis.cleanup();
});

describe('when checking whether workers consume', () => {
  it('should report no consumer when no worker is connected', async () => {
    const queues = createQueues(redis.connect(), redis.prefix);
    await queues.sync.add('sync', { workspaceId: 'w1' });
    const health = await queueHealth(queues.sync);
    expect({ workers: health.workers, waiting: health.waiting, consuming: health.consuming }).toStrictEqual({
      workers: 0,
      waiting: 1,
      consuming: false,
    });
    await Promise.all([queues.sync.close(), queues.requalify.close()]);
  });

  it('should notice a connected worker that stopped taking jobs', async () => {
    const queues = createQueues(redis.connect(), redis.prefix);
    const worker = new Worker(SYNC_QUEUE, () => Promise.resolve(), {
      connection: redis.connect(),
      prefix: redis.prefix,
      autorun: false,
    });
    await worker.waitUntilReady();
    await queues.sync.add('sync', { workspaceId: 'w1' });
    await new Promise((r) => setTimeout(r, 150));
    const stuck = await queueHealth(queues.sync, 100);
    expect({ workers: stuck.workers, consuming: stuck.consuming }).toStrictEqual({
      workers: 1,
      consuming: false,
    });

    const fresh = await queueHealth(queues.sync, 60_000);
    expect(fresh.consuming).toBe(true);
    await worker.close();
    await Promise.all([queues.sync.close(), queues.requalify.close()]);
  });
});
