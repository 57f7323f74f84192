/**
 * A simulated quarter: one controllable clock drives the HubSpot, Mautic and Salesforce sandboxes
 * and the real pipeline through `days` of scheduled syncs of two workspaces, one HubSpot-sourced and
 * one Mautic-sourced (mautic-quarter.ts, with its own Salesforce org and random Mautic faults).
 * Between syncs contacts are created and edited,
 * email engagement and booked meetings arrive, sales work the handed-off leads (status, convert,
 * win, disqualify), HubSpot merges two contacts now and then, a person asks to be erased every
 * ERASE_EVERY days (through the erasure core the API and CLI share), and the model changes half-way.
 * After every sync it reconciles what must hold whatever happened, and counts every violation:
 *
 * - each live Salesforce record carries a distinct external id (no duplicate handoffs);
 * - no cursor moves backwards, and none is ahead of the clock;
 * - each stored decision equals the engine's result on the stored contact at the run's instant
 *   (stage exactly, total score within the write-back tolerance) unless it is due;
 * - each contact's stage history has no two stays sharing time (merge survivors included) and one
 *   open stay, at its current stage;
 * - an erased person's email is nowhere in the store, none of their source ids is stored again, their
 *   unconverted Salesforce Lead is gone (the default policy, delete_lead) and no sync creates a
 *   Salesforce record for them again (a converted Lead and its Contact stay by policy);
 * - the funnel's "now" counts equal the stored stages;
 * - HubSpot's exact-stage property equals the stage last written for the contact; Mautic's stage and
 *   total score field equal the decision last written;
 * - idle Mautic syncs (every IDLE_EVERY days, two with nothing changed) stay within the idle bound.
 */
import { builtinConnectors } from '../../connectors/builtin.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import type { CompiledModel } from '../../src/model.ts';
import { toContactInput } from '../../src/pipeline/contact-inputs.ts';
import { workspaceModel } from '../../src/pipeline/engine.ts';
import { eraseInWorkspace } from '../../src/pipeline/erasure.ts';
import { runSync, type SyncSummary } from '../../src/pipeline/index.ts';
import type { Cursor } from '../../src/pipeline/ports.ts';
import { createRegistry, type ConnectorRegistry } from '../../src/pipeline/registry.ts';
import { loadModel } from '../../src/qualification/index.ts';
import { loadFunnel } from '../../src/report/load.ts';
import { seededRandom } from '../../connectors/sandbox-data.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import type { Store } from '../../src/store/index.ts';
import { createSandboxWorkspace, issueSandboxTokens } from '../e2e/helpers.ts';
import { foundInDatabase } from '../helpers/dump.ts';
import type { StoredDecision } from '../../src/store/decisions.ts';
import {
  actInMautic,
  armMauticFault,
  idleViolations,
  LIST_ENDPOINT,
  MAUTIC_SOAK_CONFIG,
  mauticShowsWritten,
} from './mautic-quarter.ts';
import { createMauticWorkspace } from '../e2e/helpers.ts';

const DAY = 86_400_000;
const EXT = 'Leadstage_External_Id__c';
/** The write-back tolerance the pipeline runs with (DEFAULT_TUNING.scoreTolerance). */
const SCORE_TOLERANCE = 1;
/** A person asks to be erased every this many days (from day 7, apart from the merge days). */
const ERASE_EVERY = 10;
/** The Mautic workspace syncs twice more with nothing changed every this many days. */
const IDLE_EVERY = 15;

export interface QuarterOptions {
  store: Store;
  days: number;
  contacts: number;
  /** Contacts seeded into the Mautic-sourced workspace's sandbox; 0 leaves Mautic out. @default contacts */
  mauticContacts?: number;
  /** Scheduled syncs per simulated day. @default 1 */
  syncsPerDay?: number;
  seed?: number;
  /** @default 2026-01-05T09:00:00Z */
  epoch?: number;
  /** After every scheduled sync: the HubSpot workspace's summary, both sources' violations. */
  onSync?: (day: number, summary: SyncSummary, violations: number) => void;
}

/** What one source's workspace did over the quarter. */
export interface SourceFigures {
  /** API calls per scheduled sync (every vendor of the workspace). */
  calls: number[];
  requalified: number[];
  handedOff: number;
  violations: number;
  /** Faults the source's sandbox was armed with (Mautic only). */
  faults: number;
  /** API calls of each idle sync (Mautic only). */
  idleCalls: number[];
}

export interface QuarterResult {
  syncs: number;
  bySource: Record<string, SourceFigures>;
  /** API calls per sync (every vendor). */
  calls: number[];
  /** Contacts qualified per sync. */
  requalified: number[];
  violations: string[];
  handedOff: number;
  merges: number;
  /** People erased; `leadsDeleted` of them had an unconverted Salesforce Lead that went with them. */
  erasures: number;
  leadsDeleted: number;
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
  const mauticContacts = options.mauticContacts ?? options.contacts;
  // Its own server (and so its own Salesforce org): the seeded people of both sources share emails.
  const mautic =
    mauticContacts > 0
      ? await startSandboxServer({ port: 0, contacts: mauticContacts, seed: seed + 1, now, epoch }).catch(
          async (err: unknown) => {
            await sandbox.close();
            throw err;
          },
        )
      : null;
  try {
    return await simulate(options, sandbox, mautic, {
      now,
      advance: (ms) => (clock += ms),
      seed,
      started,
    });
  } finally {
    await sandbox.close();
    await mautic?.close();
  }
}

const figures = (): SourceFigures => ({
  calls: [],
  requalified: [],
  handedOff: 0,
  violations: 0,
  faults: 0,
  idleCalls: [],
});

const callCount = (summary: SyncSummary) => Object.values(summary.apiCalls).reduce((a, b) => a + b, 0);

async function simulate(
  options: QuarterOptions,
  sandbox: SandboxServer,
  msandbox: SandboxServer | null,
  time: { now: () => number; advance: (ms: number) => void; seed: number; started: number },
): Promise<QuarterResult> {
  const { store } = options;
  const registry = createRegistry(await builtinConnectors());
  const workspaceId = await createSandboxWorkspace(store, sandbox.url, issueSandboxTokens(sandbox), time.now);
  const mauticWs = msandbox
    ? await createMauticWorkspace(store, msandbox, time.now, MAUTIC_SOAK_CONFIG)
    : null;
  const rand = seededRandom(time.seed);
  const mrand = seededRandom(time.seed + 1);
  const hubspot = figures();
  const mautic = figures();
  const result: QuarterResult = {
    syncs: 0,
    bySource: msandbox ? { hubspot, mautic } : { hubspot },
    calls: [],
    requalified: [],
    violations: [],
    handedOff: 0,
    merges: 0,
    erasures: 0,
    leadsDeleted: 0,
    wallMs: 0,
  };
  const perDay = options.syncsPerDay ?? 1;
  let cursors: Record<string, Cursor> = {};
  let mauticCursors: Record<string, Cursor> = {};
  const erased: Erased[] = [];
  // Stage key → label of every model the quarter ran, for the Mautic stage names written.
  const labels = new Map<string, string>();
  const learnLabels = (model: CompiledModel) => {
    for (const st of model.stages) labels.set(st.key, st.label);
  };
  learnLabels(await workspaceModel(await store.workspaces.require(workspaceId)));
  const sync = (workspace: string) =>
    runSync({
      store,
      registry,
      limiter: new MemoryRateLimiter(),
      log: silentLogger,
      workspace,
      now: () => new Date(time.now()),
    });

  for (let day = 0; day < options.days; day++) {
    if (day > 0) {
      actOnTheDay(sandbox, rand, time.now(), day);
      if (msandbox) actInMautic(msandbox, mrand, time.now(), day);
      const keep = new Set(erased.flatMap((e) => e.sourceIds));
      if (day % 15 === 0 && mergeTwo(sandbox, rand, keep)) result.merges += 1;
      if (day % ERASE_EVERY === 7) {
        const person = await eraseOne({ store, registry, sandbox, workspaceId }, rand, time.now, keep);
        if (person) {
          erased.push(person);
          result.erasures += 1;
          if (person.leadIds.length) result.leadsDeleted += 1;
        }
      }
    }
    if (day === Math.floor(options.days / 2) && day > 0) {
      const { source, model } = await loadModel('preset:four-stage');
      learnLabels(model);
      for (const ws of mauticWs ? [workspaceId, mauticWs] : [workspaceId]) {
        await store.workspaces.setModel(ws, { text: source.text, ref: source.ref, version: model.version });
      }
    }
    for (let s = 0; s < perDay; s++) {
      time.advance(DAY / perDay);
      const summary = await sync(workspaceId);
      result.syncs += 1;
      record(hubspot, summary);
      const found = await reconcile(store, sandbox, workspaceId, new Date(time.now()), cursors, {
        erased,
        shows: hubspotShowsWritten(sandbox),
      });
      cursors = found.cursors;
      const violations = [...found.violations.map((v) => `hubspot: ${v}`)];
      hubspot.violations += found.violations.length;
      let total = callCount(summary);
      let handedOff = summary.handedOff;
      let qualified = summary.qualified;
      if (msandbox && mauticWs) {
        if (armMauticFault(msandbox, mrand, time.now())) mautic.faults += 1;
        const ms = await sync(mauticWs);
        record(mautic, ms);
        total += callCount(ms);
        handedOff += ms.handedOff;
        qualified += ms.qualified;
        const shows = mauticShowsWritten(msandbox, labels);
        const check = async () => {
          const f = await reconcile(store, msandbox, mauticWs, new Date(time.now()), mauticCursors, {
            erased: [],
            shows,
          });
          mauticCursors = f.cursors;
          return f.violations;
        };
        const mv = await check();
        if ((day + 1) % IDLE_EVERY === 0 && s === perDay - 1) {
          // Nothing changes outside: two syncs 15 minutes apart must stay within the idle bound.
          msandbox.mautic.clearFaults();
          const runs = [];
          for (let i = 0; i < 2; i++) {
            time.advance(15 * 60_000);
            const before = msandbox.mautic.stats().calls[LIST_ENDPOINT] ?? 0;
            const idle = await sync(mauticWs);
            const listCalls = (msandbox.mautic.stats().calls[LIST_ENDPOINT] ?? 0) - before;
            mautic.idleCalls.push(callCount(idle));
            runs.push({ summary: idle, listCalls });
            mv.push(...(await check()));
          }
          mv.push(...idleViolations(ms.writtenBack, runs));
        }
        mautic.violations += mv.length;
        violations.push(...mv.map((v) => `mautic: ${v}`));
      }
      result.calls.push(total);
      result.requalified.push(qualified);
      result.handedOff += handedOff;
      for (const v of violations) result.violations.push(`day ${day + 1}: ${v}`);
      options.onSync?.(day + 1, summary, violations.length);
    }
  }
  result.wallMs = Date.now() - time.started;
  return result;
}

function record(f: SourceFigures, summary: SyncSummary): void {
  f.calls.push(callCount(summary));
  f.requalified.push(summary.qualified);
  f.handedOff += summary.handedOff;
}

/** HubSpot's exact-stage property shows the stage last written (where it is set). */
function hubspotShowsWritten(sandbox: SandboxServer): (d: StoredDecision) => string | null {
  return (d) => {
    const shown = sandbox.hubspot.portal.contacts.get(d.contactId)?.properties.leadstage_stage;
    return d.written && shown && shown !== d.written.stage
      ? `${d.contactId} shows ${shown} in HubSpot, ${d.written.stage} was written`
      : null;
  };
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

/**
 * HubSpot merges two contacts (the later into the earlier); false when there are too few. Erased
 * people are left out: a vendor merging an erased person into someone else is another question.
 */
function mergeTwo(sandbox: SandboxServer, rand: () => number, erased: Set<string>): boolean {
  const ids = [...sandbox.hubspot.portal.contacts.keys()].filter((id) => !erased.has(id));
  if (ids.length < 2) return false;
  const a = ids[Math.floor(rand() * ids.length)]!;
  const b = ids[Math.floor(rand() * ids.length)]!;
  if (a === b) return false;
  sandbox.hubspot.portal.merge(a < b ? a : b, a < b ? b : a);
  return true;
}

/** A person erased during the quarter, and what Salesforce may still hold of them by policy. */
interface Erased {
  email: string;
  sourceIds: string[];
  externalIds: string[];
  /** Unconverted Leads that the erasure had to delete. */
  leadIds: string[];
  /** Salesforce records left by policy (a converted Lead, its Contact). */
  kept: Set<string>;
}

/**
 * A stored person who was handed off (when there is one) asks to be erased by email, through the
 * core the API and CLI share. HubSpot keeps them and edits them right away, so the next pull meets
 * them again: only suppression keeps them out.
 */
async function eraseOne(
  world: { store: Store; registry: ConnectorRegistry; sandbox: SandboxServer; workspaceId: string },
  rand: () => number,
  now: () => number,
  already: Set<string>,
): Promise<Erased | null> {
  const { store, registry, sandbox, workspaceId } = world;
  const { rows } = await store.db.query<{ id: string; linked: boolean }>(
    `SELECT c.contact_id AS id, l.contact_id IS NOT NULL AS linked FROM contacts c
     LEFT JOIN crm_links l ON l.workspace_id = c.workspace_id AND l.contact_id = c.contact_id
     WHERE c.workspace_id = $1 AND c.properties->>'email' IS NOT NULL ORDER BY c.contact_id`,
    [workspaceId],
  );
  const candidates = rows.filter((r) => !already.has(r.id));
  const linked = candidates.filter((r) => r.linked);
  const pool = linked.length ? linked : candidates;
  const chosen = pool[Math.floor(rand() * pool.length)];
  const email = chosen && sandbox.hubspot.portal.contacts.get(chosen.id)?.properties.email;
  if (!chosen || !email) return null;
  const sourceIds = await store.erasures.contactsByEmail(workspaceId, email);
  const { rows: links } = await store.db.query<{ external_id: string }>(
    'SELECT external_id FROM crm_links WHERE workspace_id = $1 AND contact_id = ANY($2::text[])',
    [workspaceId, sourceIds],
  );
  const externalIds = links.map((l) => l.external_id);
  const theirs = (r: Record<string, unknown>) => isTheirs({ email, externalIds }, r);
  const leads = sandbox.salesforce.records('Lead').filter(theirs);
  const leadIds = leads.filter((l) => !l.IsConverted).map((l) => String(l.Id));
  const kept = new Set(
    [...leads.filter((l) => l.IsConverted), ...sandbox.salesforce.records('Contact').filter(theirs)].map(
      (r) => String(r.Id),
    ),
  );
  await eraseInWorkspace(
    { store, registry, log: silentLogger, now: () => new Date(now()) },
    workspaceId,
    { email },
    'soak',
  );
  sandbox.hubspot.updateContact(chosen.id, { jobtitle: 'Erased but still in HubSpot' }, now());
  return { email, sourceIds, externalIds, leadIds, kept };
}

async function reconcile(
  store: Store,
  sandbox: SandboxServer,
  workspaceId: string,
  at: Date,
  previousCursors: Record<string, Cursor>,
  checks: { erased: Erased[]; shows: (d: StoredDecision) => string | null },
): Promise<{ violations: string[]; cursors: Record<string, Cursor> }> {
  const { erased } = checks;
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

  await checkDecisions(store, checks.shows, model, workspaceId, at, violations);
  if (erased.length) await checkErasures(store, sandbox, workspaceId, erased, violations);

  // The funnel's current counts are the stored stages.
  const byStage = await store.decisions.countByStage(workspaceId);
  const { report } = await loadFunnel(store, workspaceId, {}, at);
  for (const s of report.stages) {
    if (s.current !== (byStage[s.key] ?? 0)) {
      violations.push(`funnel shows ${s.current} now in ${s.key}, the store holds ${byStage[s.key] ?? 0}`);
    }
  }
  return { violations, cursors };
}

/** Erased people stay erased: in the store, and in Salesforce as far as the policy goes. */
async function checkErasures(
  store: Store,
  sandbox: SandboxServer,
  workspaceId: string,
  erased: Erased[],
  violations: string[],
): Promise<void> {
  // The other source's workspace may hold the same person: an erasure is one workspace's.
  const stored = await foundInDatabase(
    store,
    erased.map((e) => e.email),
    workspaceId,
  );
  const live = (['Lead', 'Contact'] as const).flatMap((type) =>
    sandbox.salesforce.records(type).map((record) => ({ type, record })),
  );
  for (const e of erased) {
    if (stored.has(e.email.toLowerCase())) violations.push(`erased ${e.email} is in the store again`);
    const { rows } = await store.db.query<{ id: string }>(
      'SELECT contact_id AS id FROM contacts WHERE workspace_id = $1 AND contact_id = ANY($2::text[])',
      [workspaceId, e.sourceIds],
    );
    for (const r of rows) violations.push(`erased contact ${r.id} is stored again`);
    for (const { type, record } of live.filter(({ record }) => isTheirs(e, record))) {
      const id = String(record.Id);
      if (e.leadIds.includes(id)) violations.push(`erased ${e.email}: Lead ${id} still there`);
      else if (!e.kept.has(id)) violations.push(`erased ${e.email}: Salesforce ${type} ${id} created again`);
    }
  }
}

/** A Salesforce record of this person: by the external id we gave it, or by email. */
function isTheirs(e: { email: string; externalIds: string[] }, record: Record<string, unknown>): boolean {
  const email = typeof record.Email === 'string' ? record.Email.toLowerCase() : '';
  return e.externalIds.includes(String(record[EXT])) || email === e.email.toLowerCase();
}

async function checkDecisions(
  store: Store,
  shows: (d: StoredDecision) => string | null,
  model: CompiledModel,
  workspaceId: string,
  at: Date,
  violations: string[],
): Promise<void> {
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
      for (const [a, b] of overlappingStays(mine)) {
        violations.push(`${d.contactId} stays overlap: ${a.stage} and ${b.stage}`);
      }
      // The source shows what was last written.
      const wrong = shows(d);
      if (wrong) violations.push(wrong);
    }
  }
}

type StayRow = { stage: string; enteredAt: string; exitedAt: string | null };

/**
 * Pairs of stays that share time. A zero-length stay (a stage reached with no time in it, as a
 * merge leaves when the survivor's own stays cover it) shares none.
 */
function overlappingStays(stays: StayRow[]): [StayRow, StayRow][] {
  const span = (s: StayRow) => [
    Date.parse(s.enteredAt),
    s.exitedAt === null ? Infinity : Date.parse(s.exitedAt),
  ];
  const out: [StayRow, StayRow][] = [];
  for (let i = 0; i < stays.length; i++) {
    for (let j = i + 1; j < stays.length; j++) {
      const [a1, b1] = span(stays[i]!);
      const [a2, b2] = span(stays[j]!);
      if (Math.max(a1!, a2!) < Math.min(b1!, b2!)) out.push([stays[i]!, stays[j]!]);
    }
  }
  return out;
}
