/**
 * `leadstage serve [--port N]`: the web app (admin pages and API, OAuth connect flows, vendor
 * webhooks, /healthz, /metrics). Needs ADMIN_TOKEN and REDIS_URL; runs until SIGTERM or SIGINT.
 */
import type { Command } from 'commander';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { defaultRegistry } from '../pipeline/registry.ts';
import { parseWorkerEnv } from '../../jobs/config.ts';
import { connectRedis, describeRedisUrl } from '../../jobs/redis-connection.ts';
import { createQueues } from '../../jobs/worker.ts';
import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { buildWebApp, createServerContext, listen } from '../server/server.ts';
import { openStoreFromEnv } from '../store/index.ts';

import { listenForStop } from './stop-signal.ts';

/** Long enough that guessing it is hopeless; `openssl rand -base64 32` gives 44 characters. */
export const MIN_ADMIN_TOKEN_LENGTH = 24;

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new ConfigError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  }
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the web app: admin pages and API, OAuth connect flows, webhooks, /healthz, /metrics')
    .option('-p, --port <port>', 'port to listen on (default: PORT or 3000)')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .action(async (opts: { port?: string; host: string }) => {
      const env = parseEnv();
      const { LEADSTAGE_QUEUE_PREFIX: prefix } = parseWorkerEnv();
      if (!env.ADMIN_TOKEN) {
        throw new ConfigError(
          'ADMIN_TOKEN is not set: every page and API call needs it (generate one: openssl rand -base64 32).',
        );
      }
      if (env.ADMIN_TOKEN.length < MIN_ADMIN_TOKEN_LENGTH) {
        throw new ConfigError(
          `ADMIN_TOKEN is too short (${env.ADMIN_TOKEN.length} characters, at least ${MIN_ADMIN_TOKEN_LENGTH}): generate one with openssl rand -base64 32.`,
        );
      }
      if (!env.REDIS_URL) {
        throw new ConfigError(
          'REDIS_URL is not set: the web app enqueues syncs and webhook re-qualification in Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).',
        );
      }
      const port = opts.port === undefined ? env.PORT : parsePort(opts.port);
      const log = createLogger(env.LEADSTAGE_LOG_LEVEL);
      const redis = await connectRedis(env.REDIS_URL, log).catch((err: unknown) => {
        throw new ConfigError(
          `Redis is not reachable at ${describeRedisUrl(env.REDIS_URL!)}: the web app enqueues syncs and webhook re-qualification there. Start Redis or fix REDIS_URL.`,
          { cause: err },
        );
      });
      const store = await openStoreFromEnv(env).catch((err: unknown) => {
        redis.disconnect();
        throw err;
      });
      const registry = await registerBuiltinConnectors(defaultRegistry);
      const queues = createQueues(redis, prefix);
      const ctx = createServerContext({ env, store, redis, queues, queuePrefix: prefix, registry, log });
      const stopSignal = listenForStop((signal) => {
        log.warn('second signal: exiting now', { signal });
        process.exit(1);
      });
      const server = await listen(buildWebApp(ctx), port, opts.host);
      log.info('web app listening', {
        address: `${opts.host}:${server.port}`,
        publicUrl: env.PUBLIC_URL,
        redis: describeRedisUrl(env.REDIS_URL),
        database: store.backend,
        prefix,
      });

      const signal = await stopSignal;
      log.info('stopping the web app', { signal });
      await server.close().catch((err: unknown) =>
        log.warn('server did not close cleanly', {
          error: err instanceof Error ? err.message : String(err),
        }),
      );
      await Promise.allSettled(Object.values(queues).map((q) => q.close()));
      await store.close();
      redis.disconnect();
    });
}
