import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { enqueueRequalify } from '../../jobs/enqueue.ts';
import { startHeartbeat } from '../../jobs/heartbeat.ts';
import { startWorkers } from '../../jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';

import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

interface Health {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

async function health(): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${h.url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

describe('when /healthz is asked', () => {
  it('should fail while no worker consumes, naming the failing check', async () => {
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.checks.database).toMatchObject({ ok: true, detail: 'postgres' });
    expect(body.checks.redis).toStrictEqual({ ok: true });
    expect(body.checks.workers!.ok).toBe(false);
    expect(body.checks.workers!.detail).toContain('no worker running');
  });

  it('should pass once a worker consumes and beats', async () => {
    const connection = h.ctx.redis.duplicate();
    const workers = startWorkers({
      connection,
      prefix: h.ctx.queuePrefix,
      handlers: { runSync: () => Promise.resolve(), requalify: () => Promise.resolve() },
      log: silentLogger,
    });
    const heartbeat = startHeartbeat(
      h.ctx.redis,
      h.ctx.queuePrefix,
      { worker: workers.id, consuming: () => true, active: () => 0, lastJobAt: () => null },
      60_000,
    );
    try {
      await heartbeat.beat();
      await Promise.all(workers.workers.map((w) => w.waitUntilReady()));
      const { status, body } = await health();
      expect(body.checks.workers).toMatchObject({ ok: true });
      expect(status).toBe(200);
      expect(body.ok).toBe(true);
    } finally {
      await heartbeat.stop();
      await workers.close();
      connection.disconnect();
    }
  });
});

describe('when /metrics is scraped', () => {
  it('should report runs, records, API calls, queue depth, stage transitions and SLA outcomes from the store and queues', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const { store } = h.ctx;
    const at = new Date('2026-11-01T10:00:00Z');
    const ok = await store.runs.start(ws.id, { startedAt: at });
    await store.runs.finish(ok, {
      status: 'succeeded',
      finishedAt: at,
      counts: {
        pulled: { contacts: 12, events: 30, salesOutcomes: 0 },
        qualified: 12,
        writtenBack: 5,
        handedOff: 2,
        errors: 1,
        apiBudget: { salesforce: { remaining: 14_200, limit: 15_000 } },
      },
      apiCalls: { hubspot: 7, salesforce: 3 },
    });
    const later = await store.runs.start(ws.id, { startedAt: at });
    await store.runs.finish(later, {
      status: 'succeeded',
      finishedAt: new Date(at.getTime() + 60_000),
      counts: { apiBudget: { salesforce: { remaining: 14_100, limit: 15_000 } } },
      apiCalls: {},
    });
    const failed = await store.runs.start(ws.id, { startedAt: at });
    await store.runs.finish(failed, {
      status: 'failed',
      finishedAt: at,
      counts: {},
      apiCalls: { hubspot: 1 },
      error: 'x',
    });
    await store.contacts.upsert(ws.id, [{ id: 'c1', properties: {}, updatedAt: at.toISOString() }]);
    await store.db.query(
      `INSERT INTO stage_history (workspace_id, contact_id, stage, entered_at) VALUES ($1, 'c1', 'lead', $2)`,
      [ws.id, at],
    );
    await enqueueRequalify(h.ctx.queues.requalify, ws.id, ['c1', 'c2']);
    // Three SQL stays breached: one reassigned, one still being tried, one given up; one met.
    const stays = await store.db.query<{ id: string }>(
      `INSERT INTO stage_history (workspace_id, contact_id, stage, entered_at, exited_at)
       SELECT $1, 'c1', 'sql', $2, $2 FROM generate_series(1, 4) RETURNING id::text AS id`,
      [ws.id, at],
    );
    const outcomes: [string, string, string][] = [
      ['breached', 'done', 'none'],
      ['breached', 'pending', 'pending'],
      ['breached', 'given_up', 'sent'],
      ['met', 'none', 'none'],
    ];
    for (const [i, [outcome, reassign, notify]] of outcomes.entries()) {
      await store.db.query(
        `INSERT INTO sla_outcomes (stay_id, workspace_id, contact_id, stage, entered_at, due_at, outcome, found_at, notify, reassign)
         VALUES ($1::bigint, $2, 'c1', 'sql', $3, $3, $4, $3, $5, $6)`,
        [stays.rows[i]!.id, ws.id, at, outcome, notify, reassign],
      );
    }

    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const lines = text.split('\n');
    for (const expected of [
      'leadstage_sync_runs_total{outcome="sync_succeeded"} 2',
      'leadstage_sync_runs_total{outcome="sync_failed"} 1',
      'leadstage_records_total{step="pull_contacts",outcome="pulled"} 12',
      'leadstage_records_total{step="write_back",outcome="written"} 5',
      'leadstage_records_total{step="handoff",outcome="handed_off"} 2',
      'leadstage_records_total{step="any",outcome="failed"} 1',
      'leadstage_api_calls_total{vendor="hubspot"} 8',
      'leadstage_api_calls_total{vendor="salesforce"} 3',
      'leadstage_queue_depth{queue="leadstage-requalify",state="delayed"} 2',
      'leadstage_queue_depth{queue="leadstage-sync",state="waiting"} 0',
      'leadstage_stage_transitions_total{to="lead"} 1',
      // The latest run's word on the budget, not the sum or the first.
      'leadstage_api_budget_remaining{vendor="salesforce",workspace="acme"} 14100',
      'leadstage_sla_outcomes_total{workspace="acme",stage="sql",outcome="breached"} 3',
      'leadstage_sla_outcomes_total{workspace="acme",stage="sql",outcome="met"} 1',
      'leadstage_sla_notifications_pending{workspace="acme"} 1',
      'leadstage_sla_reassignments{workspace="acme",state="done"} 1',
      'leadstage_sla_reassignments{workspace="acme",state="pending"} 1',
      'leadstage_sla_reassignments{workspace="acme",state="given_up"} 1',
    ]) {
      expect(lines).toContain(expected);
    }
    // A second scrape reports the same totals, not doubled ones.
    const again = (await (await fetch(`${h.url}/metrics`)).text()).split('\n');
    expect(again).toContain('leadstage_api_calls_total{vendor="hubspot"} 8');
    expect(again).toContain('leadstage_sla_reassignments{workspace="acme",state="pending"} 1');
    // A stay no rule applied to is not a reassignment.
    expect(again.filter((l) => l.startsWith('leadstage_sla_reassignments{'))).toHaveLength(3);
  });
});
