/**
 * Previews: what a run or a model change would do, computed from decisions without storing them.
 * `previewModelChange` answers "if you raise the MQL threshold to 60, 312 contacts leave MQL".
 */
import type { CompiledModel, Decision, Scores } from '../model.ts';
import { explainDecision } from '../qualification/explain.ts';
import type { CrmLink, Store, StoredDecision, Workspace } from '../store/index.ts';

import { handoffStages, toContactInput } from './contact-inputs.ts';
import { resolveWorkspace } from './prepare.ts';
import type { SyncPreview } from './types.ts';

const SAMPLE_LIMIT = 10;

/** jsonb equality: same keys, same values, any order. */
export function sameScores(a: Scores | null | undefined, b: Scores | null | undefined): boolean {
  if (!a || !b) return a === b;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** One contact's line in a preview. */
export interface PreviewEntry {
  from: string | null;
  to: string;
  summary: string;
  write: boolean;
  handoff: boolean;
  /** Handed off for the first time (no CRM record yet). */
  firstHandoff: boolean;
  held: boolean;
}

export class PreviewBuilder {
  private readonly entries = new Map<string, PreviewEntry>();
  private readonly handoff: Set<string>;

  constructor(model: CompiledModel, hasCrm: boolean) {
    this.handoff = new Set(hasCrm ? handoffStages(model) : []);
  }

  /** Adds (or replaces) one contact's line as someone else worked it out (a dry run's steps). */
  put(contactId: string, entry: PreviewEntry): void {
    this.entries.set(contactId, entry);
  }

  /** Adds (or replaces, when a later step re-decides the contact) one contact's outcome. */
  add(decision: Decision, before: StoredDecision | undefined, link: CrmLink | undefined): void {
    const written = before?.written;
    const atHandoff = this.handoff.has(decision.stage);
    this.put(decision.contactId, {
      from: before?.stage ?? null,
      to: decision.stage,
      summary: decision.summary,
      write: !written || written.stage !== decision.stage || !sameScores(written.scores, decision.scores),
      handoff:
        atHandoff &&
        (!link || link.handedStage !== decision.stage || !sameScores(link.handedScores, decision.scores)),
      firstHandoff: atHandoff && !link,
      held: decision.reasons.some((r) => r.code === 'held'),
    });
  }

  build(): SyncPreview {
    const moves = new Map<string, { from: string | null; to: string; count: number }>();
    const entering: Record<string, number> = {};
    const leaving: Record<string, number> = {};
    const held: Record<string, number> = {};
    const samples: SyncPreview['samples'] = [];
    let wouldWriteBack = 0;
    let wouldHandOff = 0;
    let wouldHandOffNew = 0;
    for (const [contactId, e] of [...this.entries].sort(([a], [b]) => a.localeCompare(b))) {
      if (e.write) wouldWriteBack += 1;
      if (e.handoff) wouldHandOff += 1;
      if (e.firstHandoff) wouldHandOffNew += 1;
      if (e.held) held[e.to] = (held[e.to] ?? 0) + 1;
      if (e.from === e.to) continue;
      const key = `${e.from ?? ''}\0${e.to}`;
      const move = moves.get(key) ?? { from: e.from, to: e.to, count: 0 };
      move.count += 1;
      moves.set(key, move);
      entering[e.to] = (entering[e.to] ?? 0) + 1;
      if (e.from) leaving[e.from] = (leaving[e.from] ?? 0) + 1;
      if (samples.length < SAMPLE_LIMIT) {
        samples.push({ contactId, from: e.from, to: e.to, summary: e.summary });
      }
    }
    return {
      evaluated: this.entries.size,
      moves: [...moves.values()].sort((a, b) => b.count - a.count || a.to.localeCompare(b.to)),
      entering,
      leaving,
      held,
      wouldWriteBack,
      wouldHandOff,
      wouldHandOffNew,
      samples,
    };
  }
}

interface EvaluateArgs {
  store: Store;
  workspace: Workspace;
  model: CompiledModel;
  at: Date;
  batchSize?: number;
  /** Checked between batches: one batch of a bounded model takes bounded time. */
  signal?: AbortSignal;
}

/** Qualifies `chunk` (ids) with `model` from the store, as a sync builds each contact's input. */
async function qualifyStored(
  args: EvaluateArgs,
  chunk: string[],
): Promise<{ decision: Decision; before?: StoredDecision; link?: CrmLink }[]> {
  const ws = args.workspace.id;
  const [stored, events, decisions, links] = await Promise.all([
    args.store.contacts.page(ws, { ids: chunk, limit: chunk.length }),
    args.store.contacts.eventsFor(ws, chunk),
    args.store.decisions.forContacts(ws, chunk),
    args.store.links.forContacts(ws, chunk),
  ]);
  const byId = new Map(stored.map((c) => [c.id, c]));
  return chunk.flatMap((id) => {
    const contact = byId.get(id);
    if (!contact) return [];
    const before = decisions.get(id);
    const input = toContactInput(args.model, { contact, events: events.get(id) ?? [], decision: before });
    const link = links.get(id);
    return [
      {
        decision: args.model.qualify(input, args.at),
        ...(before ? { before } : {}),
        ...(link ? { link } : {}),
      },
    ];
  });
}

/** Qualifies `ids` with `model` from the store, adding each outcome to `preview`. */
export async function evaluate(args: EvaluateArgs, ids: string[], preview: PreviewBuilder): Promise<number> {
  const size = args.batchSize ?? 500;
  let evaluated = 0;
  for (let i = 0; i < ids.length; i += size) {
    args.signal?.throwIfAborted();
    for (const { decision, before, link } of await qualifyStored(args, ids.slice(i, i + size))) {
      preview.add(decision, before, link);
      evaluated += 1;
    }
  }
  return evaluated;
}

/** Every stored contact id of the workspace, in order. */
export async function allContactIds(store: Store, workspaceId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let afterId: string | undefined; ;) {
    const page = await store.contacts.page(workspaceId, { limit: 1000, ...(afterId ? { afterId } : {}) });
    if (page.length === 0) return ids;
    ids.push(...page.map((c) => c.id));
    afterId = ids[ids.length - 1];
  }
}

/** What saving `newModel` would change for the workspace's stored contacts; stores nothing. */
export async function previewModelChange(
  store: Store,
  workspace: string | Workspace,
  newModel: CompiledModel,
  options: { now?: () => Date; signal?: AbortSignal } = {},
): Promise<SyncPreview> {
  const ws = await resolveWorkspace(store, workspace);
  const preview = new PreviewBuilder(newModel, Boolean(ws.crmVendor && ws.crmConnectionId));
  const at = (options.now ?? (() => new Date()))();
  const args = {
    store,
    workspace: ws,
    model: newModel,
    at,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  await evaluate(args, await allContactIds(store, ws.id), preview);
  const built = preview.build();
  // Only the samples are explained (the full text for every contact would be wasted): they are
  // qualified once more with the same inputs and time, so the text is the decision counted above.
  const explained = new Map(
    (
      await qualifyStored(
        args,
        built.samples.map((s) => s.contactId),
      )
    ).map(({ decision }) => [decision.contactId, explainDecision(newModel, decision)]),
  );
  return {
    ...built,
    samples: built.samples.map((s) => {
      const explanation = explained.get(s.contactId);
      return explanation === undefined ? s : { ...s, explanation };
    }),
  };
}
