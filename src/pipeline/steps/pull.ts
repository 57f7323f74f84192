/**
 * Pull steps: contacts and engagement since the workspace's cursors (rewound by the overlap window),
 * stored as they arrive. They return the position reached; the caller saves it once the writes
 * covering those records succeeded.
 */
import type { Cursor } from '../ports.ts';
import type { CursorOwner } from '../../store/index.ts';
import { rewind } from '../cursor-window.ts';
import { admitContacts, admitEvents } from '../identity.ts';
import type { RunContext } from '../run-context.ts';

export const STREAMS = {
  contacts: 'contacts',
  engagement: 'engagement',
  salesOutcomes: 'sales_outcomes',
} as const;

export function workspaceOwner(ctx: { workspace: { id: string } }): CursorOwner {
  return { kind: 'workspace', id: ctx.workspace.id };
}

export async function startPosition(ctx: RunContext, stream: string, full: boolean): Promise<Cursor | null> {
  if (full) return null;
  return rewind(await ctx.store.cursors.get(workspaceOwner(ctx), stream), ctx.tuning.overlapMs);
}

export async function pullContacts(ctx: RunContext, full: boolean): Promise<Cursor | null> {
  let reached: Cursor | null = null;
  // The vendor's latest count of the whole pull, kept over pages that do not repeat it.
  let total: number | undefined;
  await ctx.progress({ step: 'pull_contacts', done: 0 });
  for await (const page of ctx.source.pullContacts(await startPosition(ctx, STREAMS.contacts, full))) {
    // Merges first, then never an erased person or a merged-away id.
    const admitted = await admitContacts(ctx.store, ctx.workspace.id, page.records, ctx.at, ctx.log);
    await ctx.store.contacts.upsert(ctx.workspace.id, admitted);
    ctx.tally.pulled.contacts += page.records.length;
    reached = page.cursor;
    total = page.total ?? total;
    const done = ctx.tally.pulled.contacts;
    // The count is an estimate (records change while we page): never show more done than total.
    await ctx.progress({
      step: 'pull_contacts',
      done,
      ...(total !== undefined ? { total: Math.max(total, done) } : {}),
    });
  }
  return reached;
}

export function countByType(ctx: RunContext, events: { type: string }[]): void {
  for (const e of events) ctx.tally.eventsByType[e.type] = (ctx.tally.eventsByType[e.type] ?? 0) + 1;
}

export async function pullEngagement(ctx: RunContext, full: boolean): Promise<Cursor | null> {
  let reached: Cursor | null = null;
  await ctx.progress({ step: 'pull_engagement', done: 0 });
  const since = await startPosition(ctx, STREAMS.engagement, full);
  for await (const page of ctx.source.pullEngagement(since, ctx.model.eventTypes)) {
    await ctx.store.transaction(async (tx) => {
      const admitted = await admitEvents(tx, ctx.workspace.id, page.records);
      const { inserted, contactIds } = await tx.contacts.insertEvents(ctx.workspace.id, admitted);
      // Events of contacts not stored yet wait for their contact's pull, which flags it anyway.
      await tx.contacts.markPending(ctx.workspace.id, contactIds);
      ctx.tally.pulled.newEvents += inserted;
    });
    ctx.tally.pulled.events += page.records.length;
    countByType(ctx, page.records);
    reached = page.cursor;
    await ctx.progress({ step: 'pull_engagement', done: ctx.tally.pulled.events });
  }
  return reached;
}
