/** Prometheus metrics: runs, records by outcome, API calls and budget per vendor, queues, transitions. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'leadstage_process_' });
  return {
    registry,
    syncRuns: new Counter({
      name: 'leadstage_sync_runs_total',
      help: 'Sync runs by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    records: new Counter({
      name: 'leadstage_records_total',
      help: 'Records processed, by step and outcome',
      labelNames: ['step', 'outcome'] as const,
      registers: [registry],
    }),
    apiCalls: new Counter({
      name: 'leadstage_api_calls_total',
      help: 'Vendor API calls',
      labelNames: ['vendor'] as const,
      registers: [registry],
    }),
    apiBudgetRemaining: new Gauge({
      name: 'leadstage_api_budget_remaining',
      help: "What is left of the vendor account's daily API allowance, as the vendor last reported it to a sync",
      labelNames: ['vendor', 'workspace'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'leadstage_queue_depth',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
    stageTransitions: new Counter({
      name: 'leadstage_stage_transitions_total',
      help: 'Contacts entering a stage',
      labelNames: ['to'] as const,
      registers: [registry],
    }),
    slaOutcomes: new Counter({
      name: 'leadstage_sla_outcomes_total',
      help: 'Stays whose SLA was settled, by workspace, stage and outcome (met or breached); one per stay',
      labelNames: ['workspace', 'stage', 'outcome'] as const,
      registers: [registry],
    }),
    slaNotificationsPending: new Gauge({
      name: 'leadstage_sla_notifications_pending',
      help: 'SLA breaches not yet accepted by the SLA webhook (retried on each sync)',
      labelNames: ['workspace'] as const,
      registers: [registry],
    }),
    slaReassignments: new Gauge({
      name: 'leadstage_sla_reassignments',
      help: 'Breached stays by reassignment state: pending (tried again by the next syncs), done, given_up (after the last attempt) or stopped',
      labelNames: ['workspace', 'state'] as const,
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'leadstage_webhooks_total',
      help: 'Webhook deliveries by vendor and outcome',
      labelNames: ['vendor', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
