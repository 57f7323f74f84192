/**
 * Why a synced contact is at its stage: the workspace's model evaluated on the stored contact (its
 * properties, sales facts and events, as the sync qualifies it), with each dimension's score against
 * what the next stage asks, the stage history, what was written to the source and handed to the
 * CRM. One core for `leadstage contact explain`, `GET /api/workspaces/:id/contacts/:contactId` and
 * the console's contact page (null: no such contact); `searchContacts` finds contacts by email, name or id for all three.
 */
import type { Decision, Reason, StageInfo } from '../model.ts';
import type { ScoreMinimum } from '../qualification/index.ts';
import type { ModelLocale } from '../qualification/messages.ts';
import { explainDecision } from '../qualification/explain.ts';
import type { CrmLink, StoredContact, StoredDecision, Store, Workspace } from '../store/index.ts';

import { toContactInput } from './contact-inputs.ts';
import { loadEngine, workspaceModel } from './engine.ts';

export interface DimensionBar {
  dimension: string;
  score: number;
  /**
   * The next stage's minimum for this dimension (e.g. "≥ 40"), read from its requirement whether or
   * not the contact meets it; when only the engine names it (a leaf under `any`), the engine's words.
   */
  need: string | null;
  /** The number in `need` (e.g. 40 in "≥ 40"), to draw the mark on the bar. */
  threshold: number | null;
  /** False when the next stage asks more of this dimension than the contact has. */
  met: boolean;
}

export interface ContactExplanation {
  workspace: { id: string; name: string; sourceVendor: string; crmVendor: string | null };
  contact: { id: string; email: string | null; name: string | null; sourceStage: string | null };
  model: { name: string; version: string; locale: ModelLocale };
  evaluatedAt: string;
  stage: StageInfo;
  nextStage: StageInfo | null;
  scores: Record<string, number>;
  dimensions: DimensionBar[];
  /** What the next stage needs that the contact lacks, in the engine's words. */
  missing: Reason[];
  reasons: Reason[];
  summary: string;
  /** The engine's explanation as `leadstage explain` prints it. */
  text: string;
  /** The decision the last sync stored (and what was written back), null before the first. */
  stored: StoredDecision | null;
  history: { stage: string; enteredAt: string; exitedAt: string | null }[];
  handoff: CrmLink | null;
}

export interface ContactMatch {
  id: string;
  email: string | null;
  name: string | null;
  stage: string | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** The person's name from the usual property keys of HubSpot, Mautic and Salesforce. */
export function contactName(c: Pick<StoredContact, 'properties'>): string | null {
  const p = c.properties;
  const full = [text(p.firstname) ?? text(p.FirstName), text(p.lastname) ?? text(p.LastName)]
    .filter(Boolean)
    .join(' ');
  return full || text(p.name) || null;
}

function thresholdOf(need: string | undefined): number | null {
  const m = /(-?\d+(?:\.\d+)?)/.exec(need ?? '');
  return m ? Number(m[1]) : null;
}

function bars(
  model: { dimensions: readonly string[] },
  d: Decision,
  missing: Reason[],
  minimums: Record<string, ScoreMinimum>,
  minimumText: (m: ScoreMinimum) => string,
): DimensionBar[] {
  return [...model.dimensions, 'total'].map((dimension) => {
    const short = missing.find((r) => r.dimension === dimension);
    const min = minimums[dimension];
    return {
      dimension,
      score: d.scores[dimension] ?? 0,
      need: min ? minimumText(min) : (short?.need ?? null),
      threshold: min ? min.value : thresholdOf(short?.need),
      // The engine's verdict: it is the one that decides the stage.
      met: !short,
    };
  });
}

export async function explainStoredContact(
  store: Store,
  ws: Workspace,
  contactId: string,
  now = new Date(),
): Promise<ContactExplanation | null> {
  const contact = await store.contacts.get(ws.id, contactId);
  if (!contact) return null;
  const [model, engine, events, stored, history, handoff] = await Promise.all([
    workspaceModel(ws),
    loadEngine(),
    store.contacts.eventsFor(ws.id, [contact.id]),
    store.decisions.get(ws.id, contact.id),
    store.decisions.history(ws.id, contact.id),
    store.links.get(ws.id, contact.id),
  ]);
  const input = toContactInput(model, {
    contact,
    events: events.get(contact.id) ?? [],
    decision: stored ?? undefined,
  });
  const decision = model.qualify(input, now);
  const stage = model.stages.find((s) => s.key === decision.stage)!;
  const nextStage = model.stages[stage.index + 1] ?? null;
  const missing = decision.reasons.filter((r) => r.code === 'requirement_missing');
  // The compiled model keeps no requirement tree, so the minimums come from the parsed file (valid: it compiled).
  const minimums = nextStage
    ? engine.stageMinimums(engine.parseModelText(ws.model.text, ws.model.ref), nextStage.key)
    : {};
  return {
    workspace: { id: ws.id, name: ws.name, sourceVendor: ws.sourceVendor, crmVendor: ws.crmVendor },
    contact: {
      id: contact.id,
      email: text(contact.properties.email),
      name: contactName(contact),
      sourceStage: contact.sourceStage,
    },
    model: { name: model.name, version: model.version, locale: model.locale ?? 'en' },
    evaluatedAt: now.toISOString(),
    stage,
    nextStage,
    scores: decision.scores,
    dimensions: bars(model, decision, missing, minimums, engine.minimumText),
    missing,
    reasons: decision.reasons,
    summary: decision.summary,
    text: explainDecision(model, decision),
    stored,
    history,
    handoff,
  };
}

/** Contacts whose id, email or name contains `query` (case-insensitive), at most `limit`. */
export async function searchContacts(
  store: Store,
  ws: Workspace,
  query: string,
  limit = 50,
): Promise<ContactMatch[]> {
  const found = await store.contacts.search(ws.id, query.trim(), limit);
  const decisions = await store.decisions.forContacts(
    ws.id,
    found.map((c) => c.id),
  );
  return found.map((c) => ({
    id: c.id,
    email: text(c.properties.email),
    name: contactName(c),
    stage: decisions.get(c.id)?.stage ?? c.sourceStage,
  }));
}
