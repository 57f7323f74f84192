/**
 * Account roll-up before qualification: every contact's account (accountOf), the account
 * dimensions from its contacts' scores (fresh for the contacts about to be qualified, the stored
 * decision's for the others: scores never depend on account dimensions, so one pass suffices) and
 * from the company fields its contacts carry. An account whose dimensions changed flags all its
 * contacts, since a requirement on them may now hold or fail.
 *
 * Cost: one pass over the workspace's stored contacts per run when the model defines accounts.
 */
import { accountOf, accountScores } from '../../accounts/rollup.ts';
import type { AccountInput, Properties, Scores } from '../../model.ts';
import type { StoredAccount } from '../../store/index.ts';
import { toContactInput } from '../contact-inputs.ts';
import type { RunContext } from '../run-context.ts';

const PAGE = 1000;

export async function rollUpAccounts(
  ctx: RunContext,
  scope: { all?: boolean; ids?: string[] },
): Promise<Map<string, AccountInput>> {
  const out = new Map<string, AccountInput>();
  const dims = ctx.model.accountDimensions;
  if (dims.length === 0) return out;
  const ws = ctx.workspace.id;
  const only = scope.ids ? new Set(scope.ids) : undefined;
  const members = new Map<
    string,
    { name: string; contacts: string[]; scores: Scores[]; company: Properties }
  >();
  let afterId: string | undefined;
  for (;;) {
    const contacts = await ctx.store.contacts.page(ws, { limit: PAGE, ...(afterId ? { afterId } : {}) });
    if (contacts.length === 0) break;
    afterId = contacts[contacts.length - 1]!.id;
    const ids = contacts.map((c) => c.id);
    const fresh = contacts.filter((c) => scope.all || (only ? only.has(c.id) : c.needsQualification));
    const [decisions, events] = await Promise.all([
      ctx.store.decisions.forContacts(ws, ids),
      ctx.store.contacts.eventsFor(
        ws,
        fresh.map((c) => c.id),
      ),
    ]);
    const freshIds = new Set(fresh.map((c) => c.id));
    for (const c of contacts) {
      const ref = accountOf({ ...c.properties, ...c.salesFacts });
      if (!ref) continue;
      let scores: Scores | undefined;
      if (freshIds.has(c.id)) {
        const input = toContactInput(ctx.model, {
          contact: c,
          events: events.get(c.id) ?? [],
          decision: decisions.get(c.id),
        });
        scores = ctx.model.qualify(input, ctx.at).scores;
      } else scores = decisions.get(c.id)?.scores;
      let m = members.get(ref.id);
      if (!m) members.set(ref.id, (m = { name: ref.name, contacts: [], scores: [], company: {} }));
      m.contacts.push(c.id);
      if (scores) m.scores.push(scores);
      // Company fields as the account's contacts carry them; later contacts fill what earlier lack.
      for (const [k, v] of Object.entries(c.properties)) if (m.company[k] === undefined) m.company[k] = v;
    }
  }
  const before = new Map((await ctx.store.accounts.list(ws)).map((a) => [a.id, a.scores]));
  const changed: StoredAccount[] = [];
  const toFlag: string[] = [];
  for (const [id, m] of members) {
    const scores = accountScores(dims, m.scores, m.company);
    for (const contactId of m.contacts) out.set(contactId, { id, scores });
    const old = before.get(id);
    if (old && JSON.stringify(old) === JSON.stringify(scores)) continue;
    changed.push({ id, name: m.name, scores });
    toFlag.push(...m.contacts);
  }
  await ctx.store.transaction(async (tx) => {
    await tx.accounts.save(ws, changed, ctx.at);
    if (!scope.all && !scope.ids) await tx.contacts.markPending(ws, toFlag);
  });
  return out;
}
