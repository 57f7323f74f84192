/**
 * `leadstage health --workspace W`: sync health from the terminal, the same core as the console's
 * sync page and `GET /api/workspaces/:id/sync-health` (runs paged, jobs waiting and failed with
 * their error, the next scheduled run, workers, API budget, record errors). Needs REDIS_URL.
 */
import type { Command } from 'commander';

import { parseWorkerEnv } from '../../jobs/config.ts';
import { connectRedis } from '../../jobs/redis-connection.ts';
import { createQueues } from '../../jobs/worker.ts';
import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../log.ts';
import type { SyncHealth } from '../server/sync-health.ts';
import { openStoreFromEnv } from '../store/index.ts';

function count(value: string, name: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new ConfigError(`${name} must be a whole number from 0 to ${max}, got "${value}"`);
  }
  return n;
}

const n = (v: number | null) => (v === null ? '-' : String(v));

export function formatHealth(h: SyncHealth): string {
  const lines = [`Sync health of ${h.workspace.name}`];
  lines.push(
    `  schedule: every ${h.schedule.everyMinutes} min, next run ${h.schedule.nextRunAt ?? 'not scheduled (no worker has started)'}`,
  );
  lines.push(
    `  workers: ${h.workers.length ? h.workers.map((w) => `${w.worker} ${w.consuming ? 'consuming' : 'NOT consuming'} (beat ${w.beatAt})`).join('; ') : 'none running'}`,
  );
  for (const j of h.jobs) {
    const p = (j.progress ?? {}) as { step?: string; done?: number; total?: number };
    const progress = p.step ? ` ${p.step} ${p.done ?? 0}${p.total !== undefined ? `/${p.total}` : ''}` : '';
    lines.push(
      `  job ${j.id}: ${j.state}${progress}${j.failedReason ? ` (last attempt: ${j.failedReason})` : ''}`,
    );
  }
  for (const j of h.failedJobs) {
    lines.push(`  FAILED job ${j.id} at ${j.finishedAt ?? '?'}: ${j.failedReason ?? 'no error recorded'}`);
  }
  for (const [vendor, b] of Object.entries(h.apiBudget)) {
    lines.push(`  API budget ${vendor}: ${b.remaining} of ${b.limit} left (reported ${b.reportedAt})`);
  }
  for (const c of h.recordErrors) {
    lines.push(
      `  record errors ${c.step} ${c.code}: ${c.failing} failing, ${c.quarantined} quarantined — ${c.example}`,
    );
  }
  lines.push(
    `  runs ${h.runs.length ? `${h.offset + 1}-${h.offset + h.runs.length}` : '0'} of ${h.runsTotal}:`,
  );
  for (const r of h.runs) {
    const calls = Object.entries(r.apiCalls)
      .map(([v, k]) => `${v} ${k}${r.minimumApiCalls[v] !== undefined ? `/min ${r.minimumApiCalls[v]}` : ''}`)
      .join(', ');
    lines.push(
      `    ${r.startedAt} ${r.kind}${r.full ? ' full' : ''} ${r.status} ${r.durationMs === null ? '' : `${(r.durationMs / 1000).toFixed(1)}s `}` +
        `pulled ${n(r.pulledContacts)} qualified ${n(r.qualified)} written ${n(r.writtenBack)} handed ${n(r.handedOff)} errors ${n(r.errors)}` +
        `${calls ? ` calls ${calls}` : ''}${r.error ? ` — ${r.error}` : ''}${r.warnings.length ? ` — warnings: ${r.warnings.join('; ')}` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description(
      'Sync health of a workspace: runs, jobs waiting and failed, next run, workers, API budget, record errors',
    )
    .requiredOption('-w, --workspace <name>', 'workspace name or id')
    .option('--limit <n>', 'runs to show', '10')
    .option('--offset <n>', 'skip this many of the latest runs', '0')
    .option('--json', 'print as JSON')
    .action(async (opts: { workspace: string; limit: string; offset: string; json?: boolean }) => {
      const env = parseEnv();
      if (!env.REDIS_URL) {
        throw new ConfigError('REDIS_URL is not set: sync health reads the job queue in Redis.');
      }
      const { LEADSTAGE_QUEUE_PREFIX: prefix } = parseWorkerEnv();
      const page = {
        limit: Math.max(1, count(opts.limit, '--limit', 100)),
        offset: count(opts.offset, '--offset', 1_000_000),
      };
      const log = createLogger(env.LEADSTAGE_LOG_LEVEL === 'info' ? 'warn' : env.LEADSTAGE_LOG_LEVEL);
      const redis = await connectRedis(env.REDIS_URL, log);
      const queues = createQueues(redis, prefix);
      try {
        const store = await openStoreFromEnv(env);
        try {
          const { syncHealth } = await import('../server/sync-health.ts');
          const ws = await store.workspaces.require(opts.workspace);
          const h = await syncHealth({ store, syncQueue: queues.sync, redis, queuePrefix: prefix }, ws, page);
          process.stdout.write(opts.json ? JSON.stringify(h, null, 2) + '\n' : formatHealth(h));
        } finally {
          await store.close();
        }
      } finally {
        await Promise.allSettled(Object.values(queues).map((q) => q.close()));
        redis.disconnect();
      }
    });
}
