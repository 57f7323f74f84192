/**
 * Fills the metrics before a scrape. Syncs run in the workers, so the totals come from where the
 * workers record them: run rows (outcomes, record counts, API calls, the vendors' reported budget),
 * stage history (transitions) and the queues (depth). Counters are reset and set to the stored totals, which only grow.
 */
import type { ServerContext } from './context.ts';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/** Record counts kept in each run's `counts`, as step and outcome labels. */
const RECORD_COUNTS: { path: string[]; step: string; outcome: string }[] = [
  { path: ['pulled', 'contacts'], step: 'pull_contacts', outcome: 'pulled' },
  { path: ['pulled', 'events'], step: 'pull_engagement', outcome: 'pulled' },
  { path: ['pulled', 'salesOutcomes'], step: 'sales_outcomes', outcome: 'pulled' },
  { path: ['qualified'], step: 'qualify', outcome: 'qualified' },
  { path: ['writtenBack'], step: 'write_back', outcome: 'written' },
  { path: ['handedOff'], step: 'handoff', outcome: 'handed_off' },
  { path: ['crmCreated'], step: 'handoff', outcome: 'created' },
  { path: ['errors'], step: 'any', outcome: 'failed' },
  { path: ['quarantined'], step: 'any', outcome: 'quarantined' },
];

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0)) || 0;

export async function refreshMetrics(ctx: ServerContext): Promise<void> {
  const { metrics, store } = ctx;
  const db = store.db;
  const [runs, records, calls, transitions, budgets] = await Promise.all([
    db.query<{ kind: string; status: string; n: string }>(
      'SELECT kind, status, count(*) AS n FROM sync_runs GROUP BY kind, status',
    ),
    db.query<Record<string, string | null>>(
      `SELECT ${RECORD_COUNTS.map(
        (c, i) => `coalesce(sum((counts #>> '{${c.path.join(',')}}')::bigint), 0) AS c${i}`,
      ).join(', ')} FROM sync_runs WHERE status <> 'running'`,
    ),
    db.query<{ vendor: string; n: string }>(
      `SELECT e.key AS vendor, sum(e.value::bigint) AS n FROM sync_runs, jsonb_each_text(api_calls) e
       WHERE e.value ~ '^[0-9]+$' GROUP BY e.key`,
    ),
    db.query<{ stage: string; n: string }>('SELECT stage, count(*) AS n FROM stage_history GROUP BY stage'),
    // Per workspace and vendor, the budget the latest finished run that saw one was told.
    db.query<{ workspace: string; vendor: string; remaining: string }>(
      `SELECT DISTINCT ON (r.workspace_id, b.key) w.name AS workspace, b.key AS vendor,
              b.value->>'remaining' AS remaining
       FROM sync_runs r
       JOIN workspaces w ON w.id = r.workspace_id
       CROSS JOIN LATERAL jsonb_each(
         CASE WHEN jsonb_typeof(r.counts->'apiBudget') = 'object' THEN r.counts->'apiBudget' ELSE '{}'::jsonb END
       ) b
       WHERE r.status <> 'running' AND b.value->>'remaining' ~ '^[0-9]+$'
       ORDER BY r.workspace_id, b.key, r.finished_at DESC`,
    ),
  ]);

  metrics.syncRuns.reset();
  for (const r of runs.rows) metrics.syncRuns.inc({ outcome: `${r.kind}_${r.status}` }, num(r.n));

  metrics.records.reset();
  const totals = records.rows[0] ?? {};
  RECORD_COUNTS.forEach((c, i) =>
    metrics.records.inc({ step: c.step, outcome: c.outcome }, num(totals[`c${i}`])),
  );

  metrics.apiCalls.reset();
  for (const r of calls.rows) metrics.apiCalls.inc({ vendor: r.vendor }, num(r.n));

  metrics.apiBudgetRemaining.reset();
  for (const b of budgets.rows) {
    metrics.apiBudgetRemaining.set({ vendor: b.vendor, workspace: b.workspace }, num(b.remaining));
  }

  metrics.stageTransitions.reset();
  for (const r of transitions.rows) metrics.stageTransitions.inc({ to: r.stage }, num(r.n));

  const [slaOutcomes, slaPending, slaReassignments] = await Promise.all([
    store.sla.counts(),
    store.sla.pendingNotifications(),
    store.sla.reassignments(),
  ]);
  metrics.slaOutcomes.reset();
  for (const o of slaOutcomes) {
    metrics.slaOutcomes.inc({ workspace: o.workspace, stage: o.stage, outcome: o.outcome }, o.count);
  }
  metrics.slaNotificationsPending.reset();
  for (const p of slaPending) metrics.slaNotificationsPending.set({ workspace: p.workspace }, p.count);
  metrics.slaReassignments.reset();
  for (const r of slaReassignments) {
    metrics.slaReassignments.set({ workspace: r.workspace, state: r.state }, r.count);
  }

  metrics.queueDepth.reset();
  for (const queue of Object.values(ctx.queues)) {
    const counts = await queue.getJobCounts(...QUEUE_STATES);
    for (const state of QUEUE_STATES) {
      metrics.queueDepth.set({ queue: queue.name, state }, counts[state] ?? 0);
    }
  }
}
