/**
 * The Mautic side of the simulated quarter (quarter.ts): a Mautic-sourced workspace on a sandbox
 * server of its own (its own Salesforce org, so the two sources' seeded people, who share emails,
 * never meet in one org). Each day contacts are created and edited, email opens, clicks, page
 * views and meeting registrations arrive on the timeline, and now and then the next calls fail the
 * way a Mautic behind a proxy fails: 429 with X-RateLimit-Reset (Mautic's limiter sends no
 * Retry-After), 5xx, or a dropped connection. After each sync Mautic must show the stage and total
 * score last written for every contact; on idle days a second and third sync with nothing changed
 * must stay within the idle call bound.
 */
import { stageNameFor } from '../../connectors/mautic/schema.ts';
import { loadMauticMapping } from '../../connectors/mautic/index.ts';
import { mauticScore } from '../../connectors/mautic/field-limits.ts';
import type { FaultRule } from '../../connectors/mautic/sandbox/index.ts';
import type { SyncSummary } from '../../src/pipeline/index.ts';
import type { SandboxServer } from '../../src/sandbox/server.ts';
import type { StoredDecision as Decision } from '../../src/store/decisions.ts';

/** The Mautic connection the quarter syncs through: quick retries, so faults cost little wall time. */
export const MAUTIC_SOAK_CONFIG = { retryBaseMs: 20 };

const LIST = 'GET /api/contacts';
/** Endpoints every sync with changes calls, so an armed fault is used up by the next sync. */
const FAULTY: string[] = [LIST, 'GET /api/contacts/activity', 'PATCH /api/contacts/batch/edit'];

/** One day of the outside world in Mautic: new contacts, edits and timeline activity. */
export function actInMautic(sandbox: SandboxServer, rand: () => number, nowMs: number, day: number): void {
  const m = sandbox.mautic;
  const ids = [...m.state().contacts.keys()];
  if (ids.length === 0) return;
  const pickId = () => ids[Math.floor(rand() * ids.length)]!;
  const count = Math.max(1, Math.round(ids.length * 0.01));
  for (let i = 0; i < count; i++) {
    m.addContact({
      email: `mautic.soak.${day}.${i}@newco${i % 7}.example`,
      firstname: 'Soak',
      lastname: `Day${day}`,
      position: rand() < 0.5 ? 'Head of Marketing' : 'Student',
      num_employees: Math.round(10 + rand() * 2000),
    });
  }
  for (let i = 0; i < count; i++) {
    m.updateContact(pickId(), { position: rand() < 0.5 ? 'VP Marketing' : 'Consultant' });
  }
  for (let i = 0; i < count * 5; i++) {
    const id = pickId();
    const at = new Date(nowMs - Math.floor(rand() * 3_600_000)).toISOString();
    const r = rand();
    const type = r < 0.5 ? 'email_open' : r < 0.7 ? 'email_click' : r < 0.95 ? 'page_view' : 'meeting_booked';
    m.state().addActivity({
      key: `mautic-soak-${day}-${i}`,
      personKey: id - 1,
      type,
      at,
      properties: {
        emailName: 'Newsletter November',
        url: rand() < 0.3 ? 'https://leadstage.example/pricing' : 'https://leadstage.example/blog',
        title: type === 'meeting_booked' ? 'Discovery call' : 'Leadstage',
      },
    });
  }
}

/** Arms a fault for the next sync about one day in three; returns what was armed, or null. */
export function armMauticFault(sandbox: SandboxServer, rand: () => number, nowMs: number): FaultRule | null {
  if (rand() >= 0.35) return null;
  const endpoint = FAULTY[Math.floor(rand() * FAULTY.length)]!;
  const times = rand() < 0.7 ? 1 : 2;
  const kind = rand();
  const rule: FaultRule =
    kind < 0.4
      ? {
          endpoint,
          status: 429,
          times,
          // Mautic's limiter: the window's end in Unix seconds, on the server's clock (index.ts).
          headers: { 'X-RateLimit-Reset': String(Math.ceil(nowMs / 1000) + 1) },
        }
      : kind < 0.75
        ? { endpoint, status: rand() < 0.5 ? 502 : 503, times }
        : { endpoint, status: 0, times, drop: true };
  sandbox.mautic.failNext(rule);
  return rule;
}

/**
 * Mautic shows what was last written: the stage (by the name the mapping gives the stage key, else
 * the model's label) and the total score field (as Mautic keeps it: whole, zero blank).
 */
export function mauticShowsWritten(
  sandbox: SandboxServer,
  labels: Map<string, string>,
): (d: Decision) => string | null {
  const mapping = loadMauticMapping();
  const scoreField = mapping.writeBack.scoreFields.total ?? 'ls_score';
  const state = sandbox.mautic.state();
  return (d) => {
    if (!d.written) return null;
    const c = state.contacts.get(Number(d.contactId));
    if (!c) return `${d.contactId} has a decision but is not in Mautic`;
    const shown = c.stageId === null ? null : (state.stages.get(c.stageId)?.name ?? null);
    const want = stageNameFor(mapping, d.written.stage, labels.get(d.written.stage));
    if (shown?.toLowerCase() !== want.toLowerCase()) {
      return `${d.contactId} shows stage ${shown ?? '(none)'} in Mautic, ${want} was written`;
    }
    const raw = c.fields[scoreField];
    const score = raw === null || raw === undefined || raw === '' ? null : Number(raw);
    const wanted = mauticScore(d.written.scores.total ?? 0);
    if (score !== wanted) {
      return `${d.contactId} shows ${scoreField} ${String(score)} in Mautic, ${String(wanted)} was written`;
    }
    return null;
  };
}

/**
 * The idle bound (mautic-idle-sync.e2e.test.ts): with nothing changed outside, a sync reads back only
 * what the sync before it wrote (Mautic stamps our own writes; read once, a page per 200, plus the
 * one page that finds nothing more) and re-qualifies only what is due. `written` is what the sync
 * before the first idle one wrote back; each idle sync's own write-back (due contacts) sets the
 * next one's bound.
 */
export function idleViolations(
  written: number,
  runs: { summary: SyncSummary; listCalls: number }[],
): string[] {
  const out: string[] = [];
  let before = written;
  for (const [i, { summary, listCalls }] of runs.entries()) {
    const which = i === 0 ? 'idle Mautic sync' : `idle Mautic sync ${i + 1}`;
    if (listCalls > Math.floor(before / 200) + 1 || summary.pulled.contacts > before) {
      out.push(
        `${which} read ${listCalls} contact pages, ${summary.pulled.contacts} contacts after ${before} written back`,
      );
    }
    if (summary.qualified !== summary.due) {
      out.push(`${which} re-qualified ${summary.qualified}, only ${summary.due} were due`);
    }
    before = summary.writtenBack;
  }
  return out;
}

export const LIST_ENDPOINT = LIST;
