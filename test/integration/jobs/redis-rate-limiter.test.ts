import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { RedisRateLimiter } from '../../../jobs/redis-rate-limiter.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:rl:${randomUUID()}`;
const connections: Redis[] = [];
const connect = () => {
  const r = new Redis(REDIS_URL);
  connections.push(r);
  return r;
};

afterAll(async () => {
  const keys = await connections[0]!.keys(`${prefix}:*`);
  if (keys.length) await connections[0]!.del(...keys);
  await Promise.all(connections.map((c) => c.quit()));
});

describe('when two workers share one budget through Redis', () => {
  it('should admit no more calls per window than the budget, across both', async () => {
    const a = new RedisRateLimiter(connect(), prefix);
    const b = new RedisRateLimiter(connect(), prefix);
    const budget = { max: 5, windowMs: 400 };
    const admitted: number[] = [];
    const take = async (limiter: RedisRateLimiter) => {
      await limiter.acquire('hubspot:portal-1', budget);
      admitted.push(Date.now());
    };
    await Promise.all([...Array(6).keys()].flatMap(() => [take(a), take(b)]));

    expect(admitted).toHaveLength(12);
    admitted.sort((x, y) => x - y);
    // Any 6 consecutive admissions must span at least one window (minus a little timer slack).
    for (let i = 0; i + budget.max < admitted.length; i++) {
      expect(admitted[i + budget.max]! - admitted[i]!).toBeGreaterThanOrEqual(budget.windowMs - 25);
    }
  });

  it('should hold every worker back after one of them is told to pause', async () => {
    const a = new RedisRateLimiter(connect(), prefix);
    const b = new RedisRateLimiter(connect(), prefix);
    await a.pause('salesforce:org-1', 300);
    const started = Date.now();
    await b.acquire('salesforce:org-1', { max: 100, windowMs: 1000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('should never shorten a longer pause', async () => {
    const a = new RedisRateLimiter(connect(), prefix);
    await a.pause('mautic:x', 400);
    await a.pause('mautic:x', 10);
    const started = Date.now();
    await a.acquire('mautic:x', { max: 100, windowMs: 1000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});
