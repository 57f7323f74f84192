/**
 * The store's hot statements keep plans that stay linear on a freshly loaded store: every statement
 * the sync's batches run is EXPLAINed against a workspace of thousands of contacts that the planner
 * has no statistics for (as on a new deployment before autovacuum gets to it), and the plan must
 * not scan a table or a parameter list once per row of another (the nested-loop semi join that made
 * the qualify step grow with N² on PostgreSQL). The same holds once the store has analyzed its tables.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRepos, type Db, type Repos } from '../../src/store/index.ts';
import { createSealer } from '../../src/store/encryption.ts';
import { analyzeAfterLoads, type LoadedTable } from '../../src/store/statistics.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/db.ts';
import { decision } from '../helpers/decisions.ts';

const CONTACTS = 3000;
const BATCH = 500;
const LOADED: LoadedTable[] = ['contacts', 'engagement_events', 'decisions', 'stage_history', 'crm_links'];
const TABLES = [...LOADED, 'record_errors'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

interface Explained {
  sql: string;
  plan: PlanNode;
}

/**
 * Nodes that read a whole relation or list rather than look rows up by key. A Materialize is judged by
 * what it holds: a few rows found by key (the quarantined records of a step) may be kept and reread.
 */
const FULL_READS = new Set(['Seq Scan', 'Function Scan', 'ProjectSet', 'Values Scan', 'Sort', 'Hash']);

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

function describeNode(n: PlanNode): string {
  return `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}`;
}

/** What in `plan` runs once per row of something else and reads a relation or list in full. */
export function perRowScans(plan: PlanNode): string[] {
  const found: string[] = [];
  for (const n of nodes(plan)) {
    const repeated: PlanNode[] = [];
    // The inner side of a nested loop is rerun for every outer row.
    if (n['Node Type'] === 'Nested Loop' && n.Plans?.[1]) repeated.push(n.Plans[1]);
    // A correlated subquery is rerun for every row of its parent.
    for (const child of n.Plans ?? []) if (child['Parent Relationship'] === 'SubPlan') repeated.push(child);
    for (const r of repeated) {
      for (const inner of nodes(r)) {
        if (FULL_READS.has(inner['Node Type'])) {
          found.push(`${describeNode(n)} reruns ${describeNode(inner)}`);
        }
      }
    }
  }
  return found;
}

/** A Db that EXPLAINs every data statement before running it. */
function explaining(db: Db, log: Explained[]): Db {
  const wrap = (inner: Db): Db => ({
    backend: inner.backend,
    async query(sql, params) {
      if (/^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(sql)) {
        const { rows } = await inner.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        const raw = rows[0]!['QUERY PLAN'];
        const doc = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
        log.push({ sql, plan: doc[0]!.Plan });
      }
      return inner.query(sql, params);
    },
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
    exclusive: (key, fn) => inner.exclusive(key, (d) => fn(wrap(d))),
    tryLock: (key) => inner.tryLock(key),
    close: () => inner.close(),
  });
  return wrap(db);
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').slice(0, 160);

const id = (n: number) => `c${String(n).padStart(6, '0')}`;
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => id(from + i));

describe.each(BACKENDS)('hot statements on %s', (backend) => {
  let t: TestStore;
  let repos: Repos;
  let ws: string;
  const log: Explained[] = [];

  beforeAll(async () => {
    t = await openTestStore(backend, { analyzeAfterLoads: false });
    const db = t.store.db;
    if (backend === 'postgres') {
      // Autovacuum must not hand the planner statistics halfway through the test.
      for (const table of TABLES) await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    const w = await t.store.workspaces.create({
      name: `plans-${backend}`,
      sourceVendor: 'hubspot',
      crmVendor: 'salesforce',
      model: { text: 'name: t', ref: 'preset:t', version: 'v1' },
    });
    ws = w.id;
    // A workspace after its first sync: every contact decided, with events, an open stay and a link for some.
    await db.query(
      `INSERT INTO contacts (workspace_id, contact_id, properties, needs_qualification)
       SELECT $1, 'c' || lpad(i::text, 6, '0'), jsonb_build_object('n', i), i % 10 = 0 FROM generate_series(0, $2 - 1) i`,
      [ws, CONTACTS],
    );
    await db.query(
      `INSERT INTO engagement_events (workspace_id, event_id, contact_id, type, occurred_at)
       SELECT $1, 'e' || i || '-' || k, 'c' || lpad(i::text, 6, '0'), 'email_open', now()
       FROM generate_series(0, $2 - 1) i, generate_series(1, 3) k`,
      [ws, CONTACTS],
    );
    await db.query(
      `INSERT INTO decisions (workspace_id, contact_id, stage, scores, reasons, summary, model_version, decided_at)
       SELECT $1, contact_id, 'lead', '{"total": 1}', '[]', 'lead', 'v1', now() FROM contacts WHERE workspace_id = $1`,
      [ws],
    );
    await db.query(
      `INSERT INTO stage_history (workspace_id, contact_id, stage, entered_at)
       SELECT $1, contact_id, 'lead', now() FROM contacts WHERE workspace_id = $1`,
      [ws],
    );
    await db.query(
      `INSERT INTO crm_links (workspace_id, contact_id, external_id, handed_stage, handed_scores)
       SELECT $1, contact_id, 'hubspot:' || contact_id, 'lead', '{"total": 1}'
       FROM contacts WHERE workspace_id = $1 AND contact_id < 'c001000'`,
      [ws],
    );
    repos = createRepos(explaining(db, log), createSealer(randomBytes(32)));
    await repos.recordErrors.recordFailures(
      ws,
      'qualify',
      ids(0, 50).map((recordId) => ({ recordId, code: 'x', message: 'x' })),
      { quarantineAfter: 1, at: new Date() },
    );
  }, 240_000); // Opening PGlite takes long on a busy machine.

  afterAll(async () => {
    await t.cleanup();
  });

  /** The statements of one round of a sync's batches, on contacts from `from` on; returns their plans. */
  async function syncBatches(from: number): Promise<Explained[]> {
    log.length = 0;
    const at = new Date();
    // Pull: a page of contacts and their events.
    await repos.contacts.upsert(
      ws,
      ids(1000, 1100).map((id) => ({ id, properties: { n: 1 }, updatedAt: at.toISOString() })),
    );
    const inserted = await repos.contacts.insertEvents(
      ws,
      ids(1000, 1100).map((id) => ({
        id: `new-${id}`,
        contactId: id,
        type: 'page_view',
        at: at.toISOString(),
        properties: {},
      })),
    );
    await repos.contacts.markPending(ws, inserted.contactIds);
    await repos.contacts.existingEventIds(
      ws,
      ids(0, 100).map((id) => `e${id}-1`),
    );
    // Qualify: keyset pages of all and of flagged contacts, each batch decided with stage changes.
    for (const pendingOnly of [false, true]) {
      const page = await repos.contacts.page(ws, {
        afterId: id(from),
        limit: BATCH,
        pendingOnly,
        skipQuarantinedStep: 'qualify',
      });
      expect(page.length).toBeGreaterThan(0);
    }
    await repos.contacts.page(ws, { ids: ids(0, BATCH), limit: BATCH });
    const batch = ids(from, from + BATCH);
    await repos.contacts.eventsFor(ws, batch);
    await repos.decisions.forContacts(ws, batch);
    const moved = await repos.decisions.save(
      ws,
      batch.map((id) => decision(id, from === 2000 ? 'mql' : 'sql', 40)),
      at,
    );
    expect(moved).toHaveLength(BATCH);
    await repos.contacts.markQualified(ws, batch);
    await repos.recordErrors.clear(ws, 'qualify', batch);
    // Write back and hand off.
    const pending = await repos.decisions.pendingWrites(ws, {
      afterId: id(from - 1),
      limit: 100,
      skipQuarantinedStep: 'write_back',
    });
    expect(pending).toHaveLength(100);
    await repos.decisions.pendingWrites(ws, { ids: batch.slice(0, 100), limit: 100 });
    await repos.decisions.markWritten(
      ws,
      pending.map((p) => ({ contactId: p.contactId, stage: p.stage, scores: p.scores, modelVersion: 'v1' })),
      at,
    );
    await repos.contacts.setSourceStage(
      ws,
      pending.map((p) => ({ contactId: p.contactId, stage: p.stage })),
    );
    const handoffs = await repos.links.pendingHandoffs(ws, ['mql', 'sql'], {
      afterId: id(from - 1),
      limit: 200,
      skipQuarantinedStep: 'handoff',
    });
    expect(handoffs).toHaveLength(200);
    await repos.links.forContacts(ws, batch);
    await repos.links.recordHandoffs(
      ws,
      handoffs.map((h) => ({
        contactId: h.contactId,
        externalId: `hubspot:${h.contactId}`,
        crmId: `L${h.contactId}`,
        stage: h.stage,
        scores: h.scores,
      })),
      at,
    );
    await repos.decisions.page(ws, { afterId: id(from), limit: BATCH });

    return [...log];
  }

  it('without statistics, runs no table or list once per row of another', async () => {
    const plans = await syncBatches(2000);
    expect(plans.length).toBeGreaterThan(15);
    const problems = plans.flatMap(({ sql, plan }) =>
      perRowScans(plan).map((p) => `${p}\n  in: ${oneLine(sql)}`),
    );
    expect(problems).toEqual([]);
  });

  it('with the statistics the store keeps after loads, still runs nothing once per row', async () => {
    const statistics = analyzeAfterLoads(0);
    for (const table of LOADED) await statistics.added(t.store.db, table, CONTACTS);
    const plans = await syncBatches(2500);
    const problems = plans.flatMap(({ sql, plan }) =>
      perRowScans(plan).map((p) => `${p}\n  in: ${oneLine(sql)}`),
    );
    expect(problems).toEqual([]);
  });
});

describe('perRowScans', () => {
  it('finds a list or table rescanned inside a nested loop and passes index lookups', () => {
    // The plan the stage history update had with `IN (SELECT jsonb_array_elements_text($2))`.
    const semiJoin: PlanNode = {
      'Node Type': 'Nested Loop',
      Plans: [
        { 'Node Type': 'Index Scan', 'Relation Name': 'stage_history' },
        {
          'Node Type': 'Subquery Scan',
          Plans: [{ 'Node Type': 'ProjectSet', Plans: [{ 'Node Type': 'Result' }] }],
        },
      ],
    };
    expect(perRowScans(semiJoin)).toEqual(['Nested Loop reruns ProjectSet']);
    const materialized: PlanNode = {
      'Node Type': 'Nested Loop',
      Plans: [
        { 'Node Type': 'Index Scan', 'Relation Name': 'stage_history' },
        { 'Node Type': 'Materialize', Plans: [{ 'Node Type': 'Function Scan' }] },
      ],
    };
    expect(perRowScans(materialized)).toEqual(['Nested Loop reruns Function Scan']);
    const lookup: PlanNode = {
      'Node Type': 'Nested Loop',
      Plans: [{ 'Node Type': 'Function Scan' }, { 'Node Type': 'Index Scan', 'Relation Name': 'decisions' }],
    };
    expect(perRowScans(lookup)).toEqual([]);
    const subPlan: PlanNode = {
      'Node Type': 'Index Scan',
      'Relation Name': 'contacts',
      Plans: [
        { 'Node Type': 'Seq Scan', 'Relation Name': 'record_errors', 'Parent Relationship': 'SubPlan' },
      ],
    };
    expect(perRowScans(subPlan)).toEqual(['Index Scan on contacts reruns Seq Scan on record_errors']);
  });
});
