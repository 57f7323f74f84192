/**
 * `leadstage worker` as an admin meets it: clear refusals without Redis, a warning about an eviction
 * policy that can drop queue keys, a clean exit on SIGTERM, and no secret in what it logs.
 */
import type { ChildProcess } from 'node:child_process';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCli } from '../../helpers/cli.ts';
import {
  type ChildWorker,
  freePort,
  killWorker,
  openWorkerTestDb,
  spawnWorker,
  startRedis,
  stopRedis,
  waitFor,
  type WorkerTestDb,
} from './helpers.ts';

describe('when the worker starts without a usable Redis', () => {
  it('should refuse to start when REDIS_URL is unset, naming the variable', async () => {
    const result = await runCli(['worker'], { env: { REDIS_URL: '' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('REDIS_URL is not set');
  });

  it('should name the address it could not reach, without the password', async () => {
    const port = await freePort();
    const result = await runCli(['worker'], {
      env: { REDIS_URL: `redis://:hunter2secret@127.0.0.1:${port}` },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Redis is not reachable at redis://127.0.0.1:${port}`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).not.toContain('hunter2secret');
  });

  it('should refuse a concurrency that is not a positive whole number', async () => {
    const result = await runCli(['worker', '--concurrency', 'many']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--concurrency must be a whole number');
  });
});

describe('when Redis may evict keys', () => {
  let db: WorkerTestDb;
  let redis: ChildProcess;
  let worker: ChildWorker | undefined;

  beforeEach(async () => {
    db = await openWorkerTestDb();
  });
  afterEach(async () => {
    if (worker) await killWorker(worker);
    await stopRedis(redis);
    await db.cleanup();
  });

  it('should warn at start, run, and exit cleanly on SIGTERM', async () => {
    const port = await freePort();
    redis = await startRedis(port, ['--maxmemory-policy', 'allkeys-lru', '--requirepass', 's3cret-pass']);
    worker = spawnWorker({
      databaseUrl: db.databaseUrl,
      prefix: '{cli-test}',
      extra: { REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${port}` },
    });
    await waitFor('the worker to start', () => worker!.output().includes('worker started'));
    expect(worker.output()).toContain('maxmemory-policy is "allkeys-lru"');

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(worker.output()).toContain('worker stopped');
    expect(worker.output()).not.toContain('s3cret-pass');
  });
});
