/**
 * A worker outliving a Redis restart, and the health the web reads from the heartbeats. Uses a
 * private `redis-server` on a free port (the shared one is not ours to restart), without persistence,
 * so the restart also loses every key, as a crashed cache node would.
 */
import type { ChildProcess } from 'node:child_process';

import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { enqueueSync } from '../../../jobs/enqueue.ts';
import { serviceHealth } from '../../../jobs/queue-health.ts';
import type { WorkerService } from '../../../jobs/service.ts';
import {
  createWorkspace,
  freePort,
  openWorkerTestDb,
  sleep,
  startInProcessWorker,
  startRedis,
  stopRedis,
  testSettings,
  waitFor,
  type WorkerTestDb,
} from './helpers.ts';

const PREFIX = '{restart-test}';

let db: WorkerTestDb;
let port: number;
let server: ChildProcess;
let clients: Redis[] = [];
let service: WorkerService | undefined;

beforeEach(async () => {
  db = await openWorkerTestDb();
  port = await freePort();
  server = await startRedis(port);
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  for (const c of clients) c.disconnect();
  clients = [];
  await stopRedis(server);
  await db.cleanup();
});

function connect(): Redis {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null });
  r.on('error', () => undefined);
  clients.push(r);
  return r;
}

describe('when Redis restarts under a running worker', () => {
  it('should reconnect, consume again, restore the schedules and report healthy', async () => {
    await createWorkspace(db.store, null, { name: 'restored', source: 'hubspot' });
    const observer = connect();
    service = await startInProcessWorker(connect(), await db.openAnother(), testSettings(PREFIX));
    const queues = service.running.queues;
    const health = () => serviceHealth(observer, PREFIX, [queues.sync], 2_000);
    await waitFor('a heartbeat', async () => (await health()).consuming);

    await stopRedis(server);
    await sleep(500);
    server = await startRedis(port);

    // Everything was lost with the old Redis; the worker puts back what belongs to it.
    await waitFor('the heartbeat to return', async () => (await health()).workers.length === 1);
    await waitFor(
      'the schedule to be restored',
      async () => (await queues.sync.getJobSchedulersCount()) === 1,
    );
    // Every consumer takes jobs again, not only one of them.
    const jobs = [
      await queues.sync.add('sync', { workspaceId: 'gone-workspace' }),
      await queues.requalify.add('requalify', { workspaceId: 'gone-workspace', contactIds: ['c1'] }),
      await queues.maintenance.add('keep-alive', { connectionId: 'gone-connection' }),
    ];
    const states = await waitFor('the jobs after the restart to run', async () => {
      const s = await Promise.all(jobs.map((j) => j.getState()));
      return s.every((x) => x === 'completed' || x === 'failed') ? s : undefined;
    });
    expect(states).toStrictEqual(['completed', 'completed', 'completed']);
    const owners = [queues.sync, queues.requalify, queues.maintenance];
    const results = await Promise.all(
      jobs.map(async (j, i): Promise<unknown> => (await owners[i]!.getJob(j.id!))?.returnvalue),
    );
    expect(results).toStrictEqual([
      { skipped: 'workspace deleted' },
      { skipped: 'workspace deleted' },
      { result: 'connection deleted' },
    ]);
    const after = await health();
    expect({ workers: after.workers.length, consuming: after.consuming }).toStrictEqual({
      workers: 1,
      consuming: true,
    });
  });
});

describe('when a connected worker stops taking jobs', () => {
  it('should report the workers as not consuming', async () => {
    const observer = connect();
    service = await startInProcessWorker(connect(), await db.openAnother(), testSettings(PREFIX));
    const { queues } = service.running;
    const health = () => serviceHealth(observer, PREFIX, [queues.sync], 2_000);
    await waitFor('a heartbeat', async () => (await health()).consuming);

    // What a consumer stuck after a reconnect looks like from outside: connected, taking nothing.
    await service.running.workers[0]!.pause();
    await enqueueSync(queues.sync, { workspaceId: 'w1' });
    const stuck = await waitFor('the health to notice', async () => {
      const h = await health();
      return h.consuming ? undefined : h;
    });
    expect(stuck.workers.map((w) => w.consuming)).toStrictEqual([false]);
    expect(stuck.queues[0]!.waiting).toBe(1);
  });
});
