/**
 * The vendor budgets shared by every worker through Redis, so adding workers never adds 429s.
 * One sorted set per bucket holds the call times of the current window (a sliding-window log);
 * a Lua script checks and records a call atomically.
 */
import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import type { RateBudget, RateLimiter } from '../src/http/rate-limiter.ts';

// KEYS[1] window log, KEYS[2] pause key; ARGV: now ms, window ms, max, member.
// Returns 0 when the call is admitted, otherwise how long to wait in ms.
const ACQUIRE = `
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
local now = tonumber(ARGV[1])
if paused > now then return paused - now end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

// KEYS[1] pause key; ARGV: until ms, ttl ms. Only ever extends a pause.
const PAUSE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 0
`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  /** Key prefix; wrap the bucket in `{…}` for Redis Cluster hash slots. */
  private readonly prefix: string;

  constructor(redis: Redis, prefix = 'leadstage:rl') {
    this.redis = redis;
    this.prefix = prefix;
  }

  async acquire(bucket: string, budget: RateBudget): Promise<void> {
    const member = randomUUID();
    for (;;) {
      // Redis TIME keeps every worker on one clock, whatever their own clocks say.
      const [seconds, micros] = await this.redis.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const waitMs = (await this.redis.eval(
        ACQUIRE,
        2,
        this.key(bucket, 'log'),
        this.key(bucket, 'pause'),
        now,
        budget.windowMs,
        budget.max,
        member,
      )) as number;
      if (waitMs === 0) return;
      await sleep(waitMs);
    }
  }

  async pause(bucket: string, waitMs: number): Promise<void> {
    const [seconds, micros] = await this.redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    await this.redis.eval(PAUSE, 1, this.key(bucket, 'pause'), now + waitMs, Math.max(1, Math.ceil(waitMs)));
  }

  private key(bucket: string, part: string): string {
    return `${this.prefix}:{${bucket}}:${part}`;
  }
}
