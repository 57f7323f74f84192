/**
 * Two `leadstage worker` processes syncing two workspaces of one HubSpot portal at the same time,
 * against the HubSpot sandbox (in this process, over HTTP) with a deliberately small budget: the
 * budget is shared through Redis, so the sandbox never has to answer 429.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { closeQueues, createQueues, type Queues } from '../../../jobs/worker.ts';
import { redisForTests } from '../../helpers/redis.ts';
import {
  type ChildWorker,
  createWorkspace,
  killWorker,
  openWorkerTestDb,
  type Sandboxes,
  serveSandboxes,
  spawnWorker,
  waitFor,
  type WorkerTestDb,
} from './helpers.ts';

/**
 * Calls per 2-second window the sandbox portal allows (HubSpot's real window is 10 s); each worker
 * alone would use 90 % of it, the connector's share that leaves room for network latency.
 */
const PORTAL_MAX = 20;

let db: WorkerTestDb;
let sb: Sandboxes;
let redis: ReturnType<typeof redisForTests>;
let queues: Queues;
const children: ChildWorker[] = [];

beforeEach(async () => {
  db = await openWorkerTestDb();
  sb = await serveSandboxes({
    contacts: 300,
    hubspotLimits: { oauthMax: PORTAL_MAX, intervalMs: 2000 },
  });
  redis = redisForTests();
  queues = createQueues(redis.connect(), redis.prefix);
});

afterEach(async () => {
  await Promise.all(children.splice(0).map(killWorker));
  await closeQueues(queues);
  await redis.cleanup();
  await sb.close();
  await db.cleanup();
});

describe('when two workers sync workspaces of one HubSpot portal at once', () => {
  it('should keep both inside the portal budget: not a single 429', async () => {
    for (let i = 0; i < 2; i++) {
      const w = spawnWorker({ databaseUrl: db.databaseUrl, prefix: redis.prefix });
      children.push(w);
      await waitFor(
        'the worker to start',
        () => w.output().includes('schedules reconciled') || w.output().includes('worker started'),
      );
    }
    // Both idle workers see the two new schedules fire at once; each takes one (concurrency 1).
    const one = await createWorkspace(db.store, sb, { name: 'team-one', source: 'hubspot' });
    const two = await createWorkspace(db.store, sb, { name: 'team-two', source: 'hubspot' });
    const done = await waitFor(
      'both syncs',
      async () => {
        const jobs = await queues.sync.getJobs(['completed', 'failed']);
        return jobs.length === 2 ? jobs : undefined;
      },
      50_000,
    );

    expect(done.map((j) => j.failedReason ?? null)).toStrictEqual([null, null]);
    expect(done.map((j) => (j.returnvalue as { workspaceId: string }).workspaceId).sort()).toStrictEqual(
      [one.id, two.id].sort(),
    );
    // Each worker took one job: they really ran side by side.
    expect(new Set(done.map((j) => j.processedBy)).size).toBe(2);
    const stats = sb.hubspot.stats();
    const apiCalls = Object.entries(stats.calls)
      .filter(([endpoint]) => !endpoint.includes('/oauth/') && !endpoint.includes('/search'))
      .reduce((n, [, c]) => n + c, 0);
    // More calls than one window allows: two unshared budgets (2 × 90 %) would have overrun it.
    expect(apiCalls).toBeGreaterThan(PORTAL_MAX * 1.5);
    expect(sb.limited).toStrictEqual([]);
    expect(stats.rateLimited).toBe(0);
  });
});
