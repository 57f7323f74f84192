/**
 * Account roll-up before qualification: each contact about to be qualified gets its account
 * (accountOf), kept in `contacts.account_id`; the accounts those contacts belong to (now or before
 * this run) are recomputed from their members: their scores (fresh for the contacts about to be
 * qualified, the stored decision's for the others: scores never depend on account dimensions, so
 * one pass suffices) and the company fields they carry. An account whose dimensions changed flags
 * all its members, since a requirement on them may now hold or fail.
 *
 * Cost: the changed contacts plus the members of their accounts, read through the account index;
 * contacts stored before accounts existed are rolled up once. A re-qualification of everything
 * (`scope.all`) reads every contact.
 */
import { accountOf, accountScores } from '../../accounts/rollup.ts';
import type { AccountInput, Properties, Scores } from '../../model.ts';
import type { StoredAccount, StoredContact } from '../../store/index.ts';
import { toContactInput } from '../contact-inputs.ts';
import { scoresDrifted } from '../next-change.ts';
import type { RunContext } from '../run-context.ts';

const PAGE = 1000;
/** Accounts recomputed per members query. */
const ACCOUNTS_PER_QUERY = 500;

interface Members {
  name: string;
  contacts: string[];
  scores: Scores[];
  company: Properties;
}

/** The contacts a run qualifies (and those never rolled up), page by page. */
async function* freshContacts(ctx: RunContext, scope: { all?: boolean; ids?: string[] }) {
  const ws = ctx.workspace.id;
  for (const pendingOnly of scope.all || scope.ids ? [false] : [true]) {
    let afterId: string | undefined;
    for (;;) {
      const page = await ctx.store.contacts.page(ws, {
        limit: PAGE,
        pendingOnly,
        ...(afterId ? { afterId } : {}),
        ...(scope.ids ? { ids: scope.ids } : {}),
      });
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.id;
      yield page;
    }
  }
  if (scope.all || scope.ids) return;
  let afterId: string | undefined;
  for (;;) {
    const page = await ctx.store.contacts.notRolledUp(ws, { limit: PAGE, ...(afterId ? { afterId } : {}) });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    yield page;
  }
}

export async function rollUpAccounts(
  ctx: RunContext,
  scope: { all?: boolean; ids?: string[] },
): Promise<Map<string, AccountInput>> {
  const out = new Map<string, AccountInput>();
  if (ctx.model.accountDimensions.length === 0) return out;
  const ws = ctx.workspace.id;
  const freshScores = new Map<string, Scores>();
  const affected = new Set<string>();
  const refs = new Map<string, string>();
  for await (const page of freshContacts(ctx, scope)) {
    const todo = page.filter((c) => !freshScores.has(c.id));
    const ids = todo.map((c) => c.id);
    const [decisions, events, before] = await Promise.all([
      ctx.store.decisions.forContacts(ws, ids),
      ctx.store.contacts.eventsFor(ws, ids),
      ctx.store.contacts.accountIds(ws, ids),
    ]);
    const moves: { contactId: string; accountId: string }[] = [];
    for (const c of todo) {
      const input = toContactInput(ctx.model, {
        contact: c,
        events: events.get(c.id) ?? [],
        decision: decisions.get(c.id),
      });
      freshScores.set(c.id, ctx.model.qualify(input, ctx.at).scores);
      const ref = accountOf({ ...c.properties, ...c.salesFacts });
      const now = ref?.id ?? '';
      const was = before.get(c.id);
      if (ref) refs.set(ref.id, ref.name);
      if (now) affected.add(now);
      // The account it left loses a member: recomputed too.
      if (was) affected.add(was);
      if (was !== now) moves.push({ contactId: c.id, accountId: now });
    }
    await ctx.store.contacts.setAccountIds(ws, moves);
  }
  const changed: StoredAccount[] = [];
  const toFlag: string[] = [];
  const accountIds = [...affected];
  for (let i = 0; i < accountIds.length; i += ACCOUNTS_PER_QUERY) {
    const part = accountIds.slice(i, i + ACCOUNTS_PER_QUERY);
    const members = await membersOf(ctx, part, freshScores, refs);
    const before = new Map((await ctx.store.accounts.forIds(ws, part)).map((a) => [a.id, a.scores]));
    for (const id of part) {
      const m = members.get(id) ?? { name: refs.get(id) ?? id, contacts: [], scores: [], company: {} };
      const scores = accountScores(ctx.model.accountDimensions, m.scores, m.company);
      for (const contactId of m.contacts) out.set(contactId, { id, scores });
      const old = before.get(id);
      // Within the tolerance a contact's own scores get (decay moves sums a little on every run),
      // the account keeps its stored dimensions and its members are not re-qualified.
      if (old && !scoresDrifted(old, scores, ctx.tuning.scoreTolerance)) continue;
      changed.push({ id, name: m.name, scores });
      toFlag.push(...m.contacts.filter((c) => !freshScores.has(c)));
    }
  }
  await ctx.store.transaction(async (tx) => {
    await tx.accounts.save(ws, changed, ctx.at);
    // Members outside this run's scope are qualified by the next sync (or now, when pending).
    if (!scope.all) await tx.contacts.markPending(ws, toFlag);
  });
  return out;
}

/** The members of some accounts with their scores (fresh ones first) and company fields. */
async function membersOf(
  ctx: RunContext,
  accountIds: string[],
  freshScores: Map<string, Scores>,
  refs: Map<string, string>,
): Promise<Map<string, Members>> {
  const ws = ctx.workspace.id;
  const members = new Map<string, Members>();
  let after: { accountId: string; contactId: string } | undefined;
  for (;;) {
    const page: (StoredContact & { accountId: string })[] = await ctx.store.contacts.inAccounts(
      ws,
      accountIds,
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    if (page.length === 0) break;
    const last = page[page.length - 1]!;
    after = { accountId: last.accountId, contactId: last.id };
    const stored = await ctx.store.decisions.forContacts(
      ws,
      page.filter((c) => !freshScores.has(c.id)).map((c) => c.id),
    );
    for (const c of page) {
      let m = members.get(c.accountId);
      if (!m) {
        const name = refs.get(c.accountId) ?? accountOf({ ...c.properties, ...c.salesFacts })?.name;
        members.set(c.accountId, (m = { name: name ?? c.accountId, contacts: [], scores: [], company: {} }));
      }
      m.contacts.push(c.id);
      const scores = freshScores.get(c.id) ?? stored.get(c.id)?.scores;
      if (scores) m.scores.push(scores);
      // Company fields as the account's contacts carry them; later contacts fill what earlier lack.
      for (const [k, v] of Object.entries(c.properties)) if (m.company[k] === undefined) m.company[k] = v;
    }
  }
  return members;
}
