/**
 * Redis for BullMQ: a clear error when it cannot be reached, and a warning when its eviction policy
 * could silently drop queue keys.
 */
import { Redis } from 'ioredis';

import { ConfigError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';

/** Strips any password from a Redis URL before it is shown. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/** Connects and checks Redis; BullMQ workers need `maxRetriesPerRequest: null`. */
export async function connectRedis(url: string, log: Logger, timeoutMs = 5000): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: timeoutMs });
  // ioredis reports the cause (ECONNREFUSED, ENOTFOUND…) as an event; connect() only says "closed".
  let cause: string | undefined;
  redis.on('error', (err: Error) => {
    cause ??= err.message;
    log.debug('redis connection error', { error: err.message });
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new ConfigError(
      `Redis is not reachable at ${describeRedisUrl(url)} (${cause ?? (err instanceof Error ? err.message : String(err))}). ` +
        'The worker needs Redis: start it or set REDIS_URL.',
    );
  }
  await warnOnEvictionPolicy(redis, log);
  return redis;
}

export async function warnOnEvictionPolicy(redis: Redis, log: Logger): Promise<string | undefined> {
  try {
    const reply = await redis.config('GET', 'maxmemory-policy');
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      log.warn(
        `Redis maxmemory-policy is "${policy}": under memory pressure Redis may evict queue keys. Set it to "noeviction".`,
      );
    }
    return policy;
  } catch {
    // Managed Redis services often refuse CONFIG; nothing to check then.
    return undefined;
  }
}
