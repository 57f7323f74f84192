/** Real Redis for queue tests, with a unique prefix per test file, obliterated afterwards. */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function redisForTests() {
  const prefix = `{test-${randomUUID().slice(0, 8)}}`;
  const clients: Redis[] = [];
  return {
    prefix,
    connect(): Redis {
      const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      clients.push(r);
      return r;
    },
    async cleanup(): Promise<void> {
      const admin = new Redis(TEST_REDIS_URL);
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      await admin.quit();
      await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    },
  };
}
