/**
 * `/healthz`: the database answers, Redis answers, and workers are consuming: at least one live
 * worker heartbeat says its consumers run, and no queue has work waiting with nothing taking it.
 */
import { readHeartbeats } from '../../jobs/heartbeat.ts';
import { queueHealth } from '../../jobs/queue-health.ts';

import type { HealthReport } from './app.ts';
import type { ServerContext } from './context.ts';

type Check = HealthReport['checks'][string];

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function check(fn: () => Promise<Check>): Promise<Check> {
  try {
    return await fn();
  } catch (err) {
    return { ok: false, detail: errorText(err) };
  }
}

export async function healthReport(ctx: ServerContext): Promise<HealthReport> {
  const [database, redis, workers, ...queues] = await Promise.all([
    check(async () => {
      await ctx.store.db.query('SELECT 1');
      return { ok: true, detail: ctx.store.backend };
    }),
    check(async () => {
      await ctx.redis.ping();
      return { ok: true };
    }),
    check(async () => {
      const beats = await readHeartbeats(ctx.redis, ctx.queuePrefix);
      const consuming = beats.filter((b) => b.consuming).length;
      const detail = `${beats.length} worker process(es) alive, ${consuming} consuming`;
      return { ok: consuming > 0, detail: beats.length === 0 ? `no worker running: ${detail}` : detail };
    }),
    ...[ctx.queues.sync, ctx.queues.requalify].map((queue) =>
      check(async () => {
        const h = await queueHealth(queue);
        const detail = `${h.workers} consumer(s), ${h.waiting} waiting, ${h.active} active, ${h.delayed} delayed, ${h.failed} failed`;
        if (h.consuming) return { ok: true, detail };
        return {
          ok: false,
          detail:
            h.workers === 0
              ? `nobody consuming: ${detail}`
              : `consumers connected but not taking jobs: ${detail}`,
        };
      }),
    ),
  ]);
  const checks: HealthReport['checks'] = {
    database: database,
    redis: redis,
    workers: workers,
    [`queue:${ctx.queues.sync.name}`]: queues[0]!,
    [`queue:${ctx.queues.requalify.name}`]: queues[1]!,
  };
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
