/**
 * `leadstage worker [--concurrency N]`: runs sync, re-qualification and keep-alive jobs from Redis
 * until SIGTERM or SIGINT, keeps every workspace on its schedule, and shares the vendors' rate
 * limits with every other worker through Redis.
 */
import { getHeapStatistics } from 'node:v8';

import type { Command } from 'commander';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { defaultRegistry } from '../pipeline/registry.ts';
import { parseWorkerEnv } from '../../jobs/config.ts';
import { connectRedis, describeRedisUrl } from '../../jobs/redis-connection.ts';
import { startWorkerService } from '../../jobs/service.ts';
import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { openStoreFromEnv } from '../store/index.ts';

import { listenForStop } from './stop-signal.ts';

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new ConfigError(`--concurrency must be a whole number from 1 to 64, got "${value}"`);
  }
  return n;
}

function closeWithin(closing: Promise<unknown>, ms: number): Promise<void> {
  return Promise.race([
    closing.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
  ]);
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run sync and re-qualification jobs from Redis until stopped (needs REDIS_URL)')
    .option(
      '-c, --concurrency <n>',
      'jobs this process runs at once (default: LEADSTAGE_WORKER_CONCURRENCY or 1)',
    )
    .action(async (opts: { concurrency?: string }) => {
      const env = parseEnv();
      const settings = parseWorkerEnv();
      if (opts.concurrency !== undefined) {
        settings.LEADSTAGE_WORKER_CONCURRENCY = parseConcurrency(opts.concurrency);
      }
      if (!env.REDIS_URL) {
        throw new ConfigError(
          'REDIS_URL is not set: the worker takes its jobs from Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).',
        );
      }
      const log = createLogger(env.LEADSTAGE_LOG_LEVEL);
      const redis = await connectRedis(env.REDIS_URL, log);
      const store = await openStoreFromEnv(env).catch((err: unknown) => {
        redis.disconnect();
        throw err;
      });
      const registry = await registerBuiltinConnectors(defaultRegistry);
      log.info('worker starting', {
        redis: describeRedisUrl(env.REDIS_URL),
        database: store.backend,
        prefix: settings.LEADSTAGE_QUEUE_PREFIX,
        // The V8 heap limit in force, LEADSTAGE_MAX_HEAP_MB's cap included (bin/heap-cap.js).
        heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
      });
      const stopSignal = listenForStop((signal) => {
        log.warn('second signal: exiting now; jobs in hand are handed back by stall detection', { signal });
        process.exit(1);
      });
      const service = startWorkerService({ redis, store, registry, log, settings });

      const signal = await stopSignal;
      log.info('stopping: finishing the jobs in hand', {
        signal,
        timeoutMs: settings.LEADSTAGE_SHUTDOWN_TIMEOUT_MS,
      });
      await service.stop().catch((err: unknown) =>
        log.error('worker did not stop cleanly', {
          error: err instanceof Error ? err.message : String(err),
        }),
      );
      // A job handed back mid-run still holds a database client (its run lock): closing the pool would
      // wait for it forever. Exiting drops the connection, which releases the lock for the next worker.
      await closeWithin(store.close(), 2000);
      await closeWithin(
        redis.quit().catch(() => redis.disconnect()),
        2000,
      );
      log.info('worker stopped');
      // A job handed back mid-run may still hold sockets to a vendor: do not wait for them.
      process.exit(process.exitCode ?? 0);
    });
}
