/**
 * The closed loop: what sales did in the CRM comes back as facts (SALES_FACTS keys) merged into the
 * linked contact, which flags it for re-qualification so sales-owned stages (defined in the model
 * as conditions on those facts) apply.
 */
import type { Cursor } from '../ports.ts';
import { type Properties, SALES_FACTS } from '../../model.ts';
import type { RunContext } from '../run-context.ts';

import { startPosition, STREAMS } from './pull.ts';

const FACT_KEYS = new Set<string>(Object.values(SALES_FACTS));

export function salesFacts(facts: Properties): Properties {
  return Object.fromEntries(Object.entries(facts).filter(([k]) => FACT_KEYS.has(k)));
}

export async function pullSalesOutcomes(ctx: RunContext, full: boolean): Promise<Cursor | null> {
  if (!ctx.crm) return null;
  const ws = ctx.workspace.id;
  let reached: Cursor | null = null;
  await ctx.progress({ step: 'sales_outcomes', done: 0 });
  for await (const page of ctx.crm.pullSalesOutcomes(await startPosition(ctx, STREAMS.salesOutcomes, full))) {
    // A page's links in one statement and its outcomes in one transaction: a round trip and a
    // commit per outcome made an initial sync's read-back (every lead it just handed off) slow.
    const links = await ctx.store.links.findMany(
      ws,
      page.records.map((o) => ({ externalId: o.externalId, crmId: o.crmId })),
    );
    await ctx.store.transaction(async (tx) => {
      for (const [i, outcome] of page.records.entries()) {
        // Not found up front, found after an earlier outcome of this page: an opportunity whose
        // lead's conversion (naming it) comes in the same page.
        const link =
          links[i] ?? (await tx.links.find(ws, { externalId: outcome.externalId, crmId: outcome.crmId }));
        if (!link) {
          // Records sales created themselves, or handed off by another tool: not ours to qualify.
          ctx.tally.unmatchedOutcomes += 1;
          continue;
        }
        await tx.links.recordOutcome(ws, link.contactId, outcome);
        await tx.contacts.mergeSalesFacts(ws, link.contactId, salesFacts(outcome.facts));
      }
    });
    ctx.tally.pulled.salesOutcomes += page.records.length;
    reached = page.cursor;
    await ctx.progress({ step: 'sales_outcomes', done: ctx.tally.pulled.salesOutcomes });
  }
  return reached;
}
