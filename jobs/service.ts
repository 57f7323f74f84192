/**
 * One worker process, assembled: BullMQ consumers running the pipeline, the Redis-shared rate
 * limiter, schedule reconciliation and the heartbeat. `leadstage worker` runs it; tests run several
 * in one process. The caller owns the Redis connection and the store and closes them after `stop()`.
 */
import type { Redis } from 'ioredis';

import type { ConnectorRegistry } from '../src/pipeline/registry.ts';
import type { Logger } from '../src/log.ts';
import type { Store } from '../src/store/index.ts';

import type { WorkerEnv } from './config.ts';
import { pipelineHandlers } from './handlers.ts';
import { startHeartbeat } from './heartbeat.ts';
import { reconcileSchedules, startScheduleReconciler } from './reconcile.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';
import { type RunningWorkers, startWorkers } from './worker.ts';

export type WorkerSettings = Pick<
  WorkerEnv,
  | 'LEADSTAGE_QUEUE_PREFIX'
  | 'LEADSTAGE_WORKER_CONCURRENCY'
  | 'LEADSTAGE_JOB_LOCK_MS'
  | 'LEADSTAGE_SHUTDOWN_TIMEOUT_MS'
  | 'LEADSTAGE_SCHEDULE_RECONCILE_MS'
  | 'LEADSTAGE_HEARTBEAT_MS'
>;

export interface WorkerServiceOptions {
  redis: Redis;
  store: Store;
  registry: ConnectorRegistry;
  log: Logger;
  settings: WorkerSettings;
}

export interface WorkerService {
  running: RunningWorkers;
  /** Resolves once the first schedule reconcile has run (or failed and been logged). */
  ready: Promise<void>;
  /** Stops reconciling and beating, then closes the consumers (see RunningWorkers.close). */
  stop(): Promise<{ handedBack: string[] }>;
}

/** Rate-limit buckets live next to the queues, so one prefix isolates a deployment (or a test). */
export const rateLimitPrefix = (queuePrefix: string) => `${queuePrefix}:rl`;

export function startWorkerService(options: WorkerServiceOptions): WorkerService {
  const { redis, store, registry, settings } = options;
  const prefix = settings.LEADSTAGE_QUEUE_PREFIX;
  const limiter = new RedisRateLimiter(redis, rateLimitPrefix(prefix));
  const running = startWorkers({
    connection: redis,
    prefix,
    concurrency: settings.LEADSTAGE_WORKER_CONCURRENCY,
    lockDurationMs: settings.LEADSTAGE_JOB_LOCK_MS,
    handlers: pipelineHandlers({ store, registry, limiter, log: options.log }),
    log: options.log,
  });
  const log = options.log.child({ worker: running.id });

  let redisDown = false;
  const onClose = () => {
    if (!redisDown) log.warn('lost the Redis connection; reconnecting');
    redisDown = true;
  };
  const onReady = () => {
    if (redisDown) log.info('Redis connection restored');
    redisDown = false;
  };
  redis.on('close', onClose);
  redis.on('ready', onReady);

  const reconciler = startScheduleReconciler(
    () => reconcileSchedules(redis, prefix, store, running.queues, log),
    settings.LEADSTAGE_SCHEDULE_RECONCILE_MS,
    log,
  );
  const heartbeat = startHeartbeat(
    redis,
    prefix,
    {
      worker: running.id,
      consuming: () => {
        // A consumer that fell out of its loop (a long Redis outage) is restarted, and reported once.
        const revived = running.revive();
        if (revived) log.warn('restarted consumers that had stopped', { consumers: revived });
        return running.consuming();
      },
      active: () => running.active(),
      lastJobAt: () => running.lastJobAt(),
    },
    settings.LEADSTAGE_HEARTBEAT_MS,
    (err) => log.debug('heartbeat not written', { error: err.message }),
  );

  return {
    running,
    ready: reconciler.ready,
    async stop() {
      await reconciler.stop();
      const result = await running.close({ timeoutMs: settings.LEADSTAGE_SHUTDOWN_TIMEOUT_MS });
      await heartbeat.stop();
      redis.off('close', onClose);
      redis.off('ready', onReady);
      return result;
    },
  };
}
