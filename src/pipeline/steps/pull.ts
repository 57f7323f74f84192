/**
 * Pull steps: contacts and engagement since the workspace's cursors (rewound by the overlap window),
 * stored as they arrive. They return the position reached; the caller saves it once the writes
 * covering those records succeeded.
 */
import type { Contact, EngagementEvent } from '../../model.ts';
import { interleave, type Lane } from '../interleave.ts';
import type { Cursor, Page } from '../ports.ts';
import type { CursorOwner } from '../../store/index.ts';
import { rewind } from '../cursor-window.ts';
import { admitContacts, admitEvents } from '../identity.ts';
import { inStep, type RunContext } from '../run-context.ts';
import type { StepName } from '../types.ts';

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

/**
 * Both pulls at once: contacts (HubSpot: the search budget) and engagement (HubSpot: the general
 * budget) wait on different rate limits, so each one's waits are spent on the other's calls and on
 * storing pages. Pages are stored one at a time, in arrival order, each source read one page ahead
 * (`interleave`): memory stays at a page or two per source. Order between the two does not matter:
 * events of a contact not stored yet are kept and its contact's insert flags it, and a merge moves
 * the events already stored under the merged-away id. The positions reached are returned, as for
 * one pull, and saved by the caller only after the writes covering them.
 */
export async function pullSources(
  ctx: RunContext,
  full: boolean,
): Promise<{ contacts: Cursor | null; engagement: Cursor | null }> {
  const contacts = contactsLane(ctx);
  const engagement = engagementLane(ctx);
  await ctx.progress({ step: 'pull_contacts', done: 0 });
  await ctx.progress({ step: 'pull_engagement', done: 0 });
  const contactsSince = await startPosition(ctx, STREAMS.contacts, full);
  const engagementSince = await startPosition(ctx, STREAMS.engagement, full);
  await interleave([
    // Contacts first: HubSpot's email events wait for the contact walk once it has begun.
    lane(ctx, 'pull_contacts', ctx.source.pullContacts(contactsSince), contacts.handle),
    lane(
      ctx,
      'pull_engagement',
      ctx.source.pullEngagement(engagementSince, ctx.model.eventTypes),
      engagement.handle,
    ),
  ]);
  return { contacts: contacts.reached(), engagement: engagement.reached() };
}

/** A lane whose errors name its own step: with two pulls at once, the last progress may be the other's. */
function lane<T>(
  ctx: RunContext,
  step: StepName,
  source: AsyncIterable<T>,
  handle: (page: T) => Promise<void>,
): Lane<T> {
  async function* named(): AsyncIterable<T> {
    try {
      yield* source;
    } catch (err) {
      throw inStep(ctx, err, step);
    }
  }
  return {
    source: named(),
    handle: async (page) => {
      try {
        await handle(page);
      } catch (err) {
        throw inStep(ctx, err, step);
      }
    },
  };
}

function contactsLane(ctx: RunContext) {
  let reached: Cursor | null = null;
  // The vendor's latest count of the whole pull, kept over pages that do not repeat it.
  let total: number | undefined;
  const handle = async (page: Page<Contact>) => {
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
  };
  return { handle, reached: () => reached };
}

export function countByType(ctx: RunContext, events: { type: string }[]): void {
  for (const e of events) ctx.tally.eventsByType[e.type] = (ctx.tally.eventsByType[e.type] ?? 0) + 1;
}

function engagementLane(ctx: RunContext) {
  let reached: Cursor | null = null;
  const handle = async (page: Page<EngagementEvent>) => {
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
  };
  return { handle, reached: () => reached };
}
