/**
 * A simulated quarter: one controllable clock drives the HubSpot and Salesforce sandboxes and the
 * real pipeline through `days` of scheduled syncs. Between syncs contacts are created and edited,
 * email engagement and booked meetings arrive, sales work the handed-off leads (status, convert,
 * win, disqualify), HubSpot merges two contacts now and then, and the model changes half-way.
 * After every sync it reconciles what must hold whatever happened, and counts every violation:
 *
 * - each live Salesforce record carries a distinct external id (no duplicate handoffs);
 * - no cursor moves backwards, and none is ahead of the clock;
 * - each stored decision equals the engine's result on the stored contact at the run's instant
 *   (stage exactly, total score within the write-back tolerance) unless it is due;
 * - each contact's stage history has no overlapping stays and one open stay, at its current stage;
 * - the funnel's "now" counts equal the stored stages;
 * - HubSpot's exact-stage property equals the stage last written for the contact.
 */
import { builtinConnectors } from '../../connectors/builtin.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import type { CompiledModel } from '../../src/model.ts';
import { toContactInput } from '../../src/pipeline/contact-inputs.ts';
import { workspaceModel } from '../../src/pipeline/engine.ts';
import { runSync, type SyncSummary } from '../../src/pipeline/index.ts';
import type { Cursor } from '../../src/pipeline/ports.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { loadModel } from '../../src/qualification/index.ts';
import { loadFunnel } from '../../src/report/load.ts';
import { seededRandom } from '../../connectors/sandbox-data.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import type { Store } from '../../src/store/index.ts';
import { createSandboxWorkspace, issueSandboxTokens } from '../e2e/helpers.ts';

const DAY = 86_400_000;
const EXT = 'Leadstage_External_Id__c';
/** The write-back tolerance the pipeline runs with (DEFAULT_TUNING.scoreTolerance). */
const SCORE_TOLERANCE = 1;

export interface QuarterOptions {
  store: Store;
  days: number;
  contacts: number;
  /** Scheduled syncs per simulated day. @default 1 */
  syncsPerDay?: number;
  seed?: number;
  /** @default 2026-01-05T09:00:00Z */
  epoch?: number;
  /** Called after every sync (progress for the long run). */
  onSync?: (day: number, summary: SyncSummary, violations: number) => void;
}

export interface QuarterResult {
  syncs: number;
  /** API calls per sync (every vendor). */
  calls: number[];
  /** Contacts qualified per sync. */
  requalified: number[];
  violations: string[];
  /**
   * Contacts whose stage history overlaps because a merge moved the merged-away record's stays in
   * stages the survivor never entered onto it (src/store/merges.ts keeps them, so the funnel counts
   * the person once per stage): reported apart, not as violations.
   */
  mergeOverlaps: number;
  handedOff: number;
  merges: number;
  wallMs: number;
}

/** The `q`-quantile of `xs` (nearest rank). */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function runQuarter(options: QuarterOptions): Promise<QuarterResult> {
  const started = Date.now();
  const epoch = options.epoch ?? Date.parse('2026-01-05T09:00:00.000Z');
  const seed = options.seed ?? 17;
  let clock = epoch;
  const now = () => clock;
  const sandbox = await startSandboxServer({ port: 0, contacts: options.contacts, seed, now, epoch });
  try {
    return await simulate(options, sandbox, {
      now,
      advance: (ms) => (clock += ms),
      seed,
      started,
    });
  } finally {
    await sandbox.close();
  }
}

async function simulate(
  options: QuarterOptions,
  sandbox: SandboxServer,
  time: { now: () => number; advance: (ms: number) => void; seed: number; started: number },
): Promise<QuarterResult> {
  const { store } = options;
  const registry = createRegistry(await builtinConnectors());
  const workspaceId = await createSandboxWorkspace(store, sandbox.url, issueSandboxTokens(sandbox), time.now);
  const rand = seededRandom(time.seed);
  const result: QuarterResult = {
    syncs: 0,
    calls: [],
    requalified: [],
    violations: [],
    mergeOverlaps: 0,
    handedOff: 0,
    merges: 0,
    wallMs: 0,
  };
  const perDay = options.syncsPerDay ?? 1;
  let cursors: Record<string, Cursor> = {};

  for (let day = 0; day < options.days; day++) {
    if (day > 0) {
      actOnTheDay(sandbox, rand, time.now(), day);
      if (day % 15 === 0 && mergeTwo(sandbox, rand)) result.merges += 1;
    }
    if (day === Math.floor(options.days / 2) && day > 0) {
      const { source, model } = await loadModel('preset:four-stage');
      await store.workspaces.setModel(workspaceId, {
        text: source.text,
        ref: source.ref,
        version: model.version,
      });
    }
    for (let s = 0; s < perDay; s++) {
      time.advance(DAY / perDay);
      const summary = await runSync({
        store,
        registry,
        limiter: new MemoryRateLimiter(),
        log: silentLogger,
        workspace: workspaceId,
        now: () => new Date(time.now()),
      });
      result.syncs += 1;
      result.calls.push(Object.values(summary.apiCalls).reduce((a, b) => a + b, 0));
      result.requalified.push(summary.qualified);
      result.handedOff += summary.handedOff;
      const found = await reconcile(store, sandbox, workspaceId, new Date(time.now()), cursors);
      cursors = found.cursors;
      result.mergeOverlaps = found.mergeOverlaps;
      for (const v of found.violations) result.violations.push(`day ${day + 1}: ${v}`);
      options.onSync?.(day + 1, summary, found.violations.length);
    }
  }
  result.wallMs = Date.now() - time.started;
  return result;
}

/** One day of the outside world: new contacts, edits, engagement, meetings and sales. */
function actOnTheDay(sandbox: SandboxServer, rand: () => number, nowMs: number, day: number): void {
  const portal = sandbox.hubspot.portal;
  const ids = [...portal.contacts.keys()];
  const pickId = () => ids[Math.floor(rand() * ids.length)]!;
  const count = Math.max(1, Math.round(ids.length * 0.01));
  for (let i = 0; i < count; i++) {
    sandbox.hubspot.addContact({
      email: `soak.${day}.${i}@newco${i % 7}.example`,
      firstname: 'Soak',
      lastname: `Day${day}`,
      jobtitle: rand() < 0.5 ? 'Head of Marketing' : 'Student',
      numberofemployees: String(Math.round(10 + rand() * 2000)),
    });
  }
  // Profile edits a marketer or a form makes.
  for (let i = 0; i < count; i++) {
    sandbox.hubspot.updateContact(
      pickId(),
      { jobtitle: rand() < 0.5 ? 'VP Marketing' : 'Consultant' },
      nowMs,
    );
  }
  // Email engagement: the event list is replaced, never changed in place (the sandbox pages slices).
  const opens = [];
  for (let i = 0; i < count * 5; i++) {
    const contact = portal.contacts.get(pickId());
    if (!contact?.properties.email) continue;
    opens.push({
      id: `soak-${day}-${i}`,
      created: nowMs - Math.floor(rand() * 3_600_000),
      type: rand() < 0.7 ? 'OPEN' : 'CLICK',
      recipient: contact.properties.email,
      emailCampaignId: 1000,
      subject: 'Newsletter November',
      ...(rand() < 0.3 ? { url: 'https://leadstage.example/pricing' } : {}),
    });
  }
  portal.emailEvents = [...opens, ...portal.emailEvents].sort(
    (a, b) => b.created - a.created || (a.id < b.id ? -1 : 1),
  );
  portal.changed();
  // A few meetings booked.
  for (let i = 0; i < Math.max(1, Math.round(count / 3)); i++) {
    sandbox.hubspot.updateContact(
      pickId(),
      { engagements_last_meeting_booked: new Date(nowMs).toISOString() },
      nowMs,
    );
  }
  // Sales work a tenth of the open handed-off leads each day.
  sandbox.salesforce.sales.playSales(0.1, 1000 + day);
}

/** HubSpot merges two contacts (the later into the earlier); false when there are too few. */
function mergeTwo(sandbox: SandboxServer, rand: () => number): boolean {
  const ids = [...sandbox.hubspot.portal.contacts.keys()];
  if (ids.length < 2) return false;
  const a = ids[Math.floor(rand() * ids.length)]!;
  const b = ids[Math.floor(rand() * ids.length)]!;
  if (a === b) return false;
  sandbox.hubspot.portal.merge(a < b ? a : b, a < b ? b : a);
  return true;
}

async function reconcile(
  store: Store,
  sandbox: SandboxServer,
  workspaceId: string,
  at: Date,
  previousCursors: Record<string, Cursor>,
): Promise<{ violations: string[]; cursors: Record<string, Cursor>; mergeOverlaps: number }> {
  const violations: string[] = [];
  const ws = await store.workspaces.require(workspaceId);
  const model = await workspaceModel(ws);

  // One live Salesforce record per external id (a converted Lead lives on as its Contact).
  const live = [
    ...sandbox.salesforce.records('Lead').filter((l) => l[EXT] && !l.IsConverted),
    ...sandbox.salesforce.records('Contact').filter((c) => c[EXT]),
  ].map((r) => String(r[EXT]));
  const seen = new Set<string>();
  for (const id of live) {
    if (seen.has(id)) violations.push(`duplicate Salesforce record for ${id}`);
    seen.add(id);
  }

  // Cursors only move forward and never past the clock.
  const cursors = await store.cursors.list({ kind: 'workspace', id: workspaceId });
  for (const [stream, cursor] of Object.entries(cursors)) {
    for (const [key, value] of Object.entries(cursor)) {
      const before = previousCursors[stream]?.[key];
      const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
      const beforeMs =
        typeof before === 'number' ? before : typeof before === 'string' ? Date.parse(before) : NaN;
      if (Number.isFinite(ms) && Number.isFinite(beforeMs) && ms < beforeMs) {
        violations.push(`cursor ${stream}.${key} moved back from ${String(before)} to ${String(value)}`);
      }
      // The vendor stamps records on its own clock: the Salesforce sandbox keeps stamps unique by
      // adding a millisecond on a frozen clock, so a minute of slack; a cursor past that skips data.
      if (Number.isFinite(ms) && ms > 1e11 && ms > at.getTime() + 60_000) {
        violations.push(`cursor ${stream}.${key} is ahead of the clock: ${String(value)}`);
      }
    }
  }

  const mergeOverlaps = await checkDecisions(store, sandbox, model, workspaceId, at, violations);

  // The funnel's current counts are the stored stages.
  const byStage = await store.decisions.countByStage(workspaceId);
  const { report } = await loadFunnel(store, workspaceId, {}, at);
  for (const s of report.stages) {
    if (s.current !== (byStage[s.key] ?? 0)) {
      violations.push(`funnel shows ${s.current} now in ${s.key}, the store holds ${byStage[s.key] ?? 0}`);
    }
  }
  return { violations, cursors, mergeOverlaps };
}

async function checkDecisions(
  store: Store,
  sandbox: SandboxServer,
  model: CompiledModel,
  workspaceId: string,
  at: Date,
  violations: string[],
): Promise<number> {
  const { rows: survivors } = await store.db.query<{ id: string }>(
    'SELECT DISTINCT into_id AS id FROM contact_merges WHERE workspace_id = $1',
    [workspaceId],
  );
  const merged = new Set(survivors.map((r) => r.id));
  const overlapping = new Set<string>();
  const stays = await store.decisions.stays(workspaceId);
  const staysOf = new Map<string, typeof stays>();
  for (const s of stays) staysOf.set(s.contactId, [...(staysOf.get(s.contactId) ?? []), s]);
  for (let after: string | undefined; ;) {
    const decisions = await store.decisions.page(workspaceId, {
      ...(after ? { afterId: after } : {}),
      limit: 500,
    });
    if (decisions.length === 0) break;
    after = decisions[decisions.length - 1]!.contactId;
    const ids = decisions.map((d) => d.contactId);
    const contacts = new Map(
      (await store.contacts.page(workspaceId, { ids, limit: ids.length })).map((c) => [c.id, c]),
    );
    const events = await store.contacts.eventsFor(workspaceId, ids);
    for (const d of decisions) {
      const contact = contacts.get(d.contactId);
      if (!contact) {
        violations.push(`decision for ${d.contactId} has no stored contact`);
        continue;
      }
      const due = d.nextChangeAt !== null && Date.parse(d.nextChangeAt) <= at.getTime();
      if (!contact.needsQualification && !due && d.modelVersion === model.version) {
        const fresh = model.qualify(
          toContactInput(model, { contact, events: events.get(d.contactId) ?? [], decision: d }),
          at,
        );
        if (fresh.stage !== d.stage) {
          violations.push(`${d.contactId} stored at ${d.stage}, qualifies at ${fresh.stage} now`);
        } else if (Math.abs((fresh.scores.total ?? 0) - (d.scores.total ?? 0)) > SCORE_TOLERANCE + 1e-9) {
          violations.push(`${d.contactId} total ${d.scores.total} stored, ${fresh.scores.total} now`);
        }
      }
      const mine = staysOf.get(d.contactId) ?? [];
      const open = mine.filter((s) => s.exitedAt === null);
      if (open.length !== 1 || open[0]!.stage !== d.stage) {
        violations.push(
          `${d.contactId} has ${open.length} open stays (${open.map((s) => s.stage).join(', ')}), at ${d.stage}`,
        );
      }
      for (let i = 1; i < mine.length; i++) {
        const prev = mine[i - 1]!;
        if (prev.exitedAt === null || Date.parse(prev.exitedAt) > Date.parse(mine[i]!.enteredAt)) {
          if (merged.has(d.contactId)) overlapping.add(d.contactId);
          else violations.push(`${d.contactId} stays overlap: ${prev.stage} and ${mine[i]!.stage}`);
        }
      }
      // HubSpot shows the stage last written (where the exact-stage property is set).
      const shown = sandbox.hubspot.portal.contacts.get(d.contactId)?.properties.leadstage_stage;
      if (d.written && shown && shown !== d.written.stage) {
        violations.push(`${d.contactId} shows ${shown} in HubSpot, ${d.written.stage} was written`);
      }
    }
  }
  return overlapping.size;
}
