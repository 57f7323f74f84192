/**
 * Account roll-up before qualification: each contact about to be qualified gets its account
 * (accountOf), kept in `contacts.account_id`; the accounts those contacts belong to (now or before
 * this run) are recomputed from their members: their scores (fresh for the contacts about to be
 * qualified, the stored decision's for the others: scores never depend on account dimensions, so
 * one pass suffices) and the company fields they carry. An account whose dimensions changed flags
 * all its members, since a requirement on them may now hold or fail.
 *
 * Two passes, each a page at a time, so memory stays flat in the number of contacts: the first
 * stores each contact's account and notes the accounts touched; the second reads those accounts'
 * members page by page (a few hundred accounts per query) and computes a fresh contact's scores
 * when it meets it (each contact once, as each belongs to one account), saving the account and
 * flagging its members as soon as the account is complete. What stays held is per account touched:
 * its name in the first pass and its dimensions for the qualify step (about a hundred bytes each;
 * an account has ten contacts or so on a typical portal, and at worst one, so this is the bound).
 *
 * Cost: the changed contacts plus the members of their accounts, read through the account index;
 * contacts stored before accounts existed are rolled up once. A re-qualification of everything
 * (`scope.all`) reads every contact.
 */
import { accountOf, AccountTally } from '../../accounts/rollup.ts';
import type { AccountInput, Properties, Scores } from '../../model.ts';
import type { StoredAccount, StoredContact } from '../../store/index.ts';
import { toContactInput } from '../contact-inputs.ts';
import { scoresDrifted } from '../next-change.ts';
import type { RunContext } from '../run-context.ts';

type Scope = { all?: boolean; ids?: string[] };

/** The account input of the contacts the qualify step decides, looked up batch by batch. */
export interface AccountInputs {
  /** Those of `contactIds` that belong to an account this run recomputed. */
  forContacts(contactIds: string[]): Promise<Map<string, AccountInput>>;
}

interface Members {
  name: string;
  tally: AccountTally;
  company: Properties;
}

/** The contacts a run qualifies (and those never rolled up), page by page. */
async function* freshContacts(ctx: RunContext, scope: Scope) {
  const ws = ctx.workspace.id;
  const limit = ctx.tuning.accountPageSize;
  for (const pendingOnly of scope.all || scope.ids ? [false] : [true]) {
    let afterId: string | undefined;
    for (;;) {
      const page = await ctx.store.contacts.page(ws, {
        limit,
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
    const page = await ctx.store.contacts.notRolledUp(ws, { limit, ...(afterId ? { afterId } : {}) });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    yield page;
  }
}

export async function rollUpAccounts(ctx: RunContext, scope: Scope): Promise<AccountInputs> {
  if (ctx.model.accountDimensions.length === 0) return { forContacts: () => Promise.resolve(new Map()) };
  const ws = ctx.workspace.id;
  const { touched, unflagged } = await assignAccounts(ctx, scope);
  const inIds = scope.ids ? new Set(scope.ids) : undefined;
  // The contacts this run qualifies, as the first pass read them: flagged ones (a contact only
  // leaves that state when qualified, after the roll-up) and the unflagged ones never rolled up.
  const fresh = (c: StoredContact) =>
    inIds ? inIds.has(c.id) : scope.all || c.needsQualification || unflagged.has(c.id);
  const recomputed = new Map<string, Scores>();
  const accountIds = [...touched.keys()];
  for (let i = 0; i < accountIds.length; i += ctx.tuning.accountsPerQuery) {
    const part = accountIds.slice(i, i + ctx.tuning.accountsPerQuery);
    const { members, keep } = await membersOf(ctx, part, fresh, touched);
    const before = new Map((await ctx.store.accounts.forIds(ws, part)).map((a) => [a.id, a.scores]));
    const changed: StoredAccount[] = [];
    for (const id of part) {
      const m = members.get(id) ?? {
        name: touched.get(id) ?? id,
        tally: new AccountTally(ctx.model.accountDimensions),
        company: {},
      };
      const scores = m.tally.scores(m.company);
      recomputed.set(id, scores);
      const old = before.get(id);
      // Within the tolerance a contact's own scores get (decay moves sums a little on every run),
      // the account keeps its stored dimensions and its members are not re-qualified.
      if (old && !scoresDrifted(old, scores, ctx.tuning.scoreTolerance)) continue;
      changed.push({ id, name: m.name, scores });
    }
    await ctx.store.transaction(async (tx) => {
      await tx.accounts.save(ws, changed, ctx.at);
      // Members outside this run's scope are qualified by the next sync (or now, when pending).
      if (!scope.all) {
        await tx.contacts.markAccountsPending(
          ws,
          changed.map((a) => a.id),
          keep,
        );
      }
    });
  }
  return {
    async forContacts(contactIds) {
      const out = new Map<string, AccountInput>();
      for (const [contactId, id] of await ctx.store.contacts.accountIds(ws, contactIds)) {
        const scores = recomputed.get(id);
        if (scores) out.set(contactId, { id, scores });
      }
      return out;
    },
  };
}

/**
 * The first pass: stores each fresh contact's account and returns the accounts touched (the
 * contacts' accounts, with the name a contact gives, and those they left), and the fresh contacts
 * not flagged for qualification (found only because they were never rolled up: held by id, as
 * nothing in the store tells them apart once rolled up; none after the first roll-up).
 */
async function assignAccounts(
  ctx: RunContext,
  scope: Scope,
): Promise<{ touched: Map<string, string | undefined>; unflagged: Set<string> }> {
  const ws = ctx.workspace.id;
  const touched = new Map<string, string | undefined>();
  const unflagged = new Set<string>();
  for await (const page of freshContacts(ctx, scope)) {
    const before = await ctx.store.contacts.accountIds(
      ws,
      page.map((c) => c.id),
    );
    const moves: { contactId: string; accountId: string }[] = [];
    for (const c of page) {
      if (!scope.all && !scope.ids && !c.needsQualification) unflagged.add(c.id);
      const ref = accountOf({ ...c.properties, ...c.salesFacts });
      const now = ref?.id ?? '';
      const was = before.get(c.id);
      if (ref) touched.set(ref.id, ref.name);
      // The account it left loses a member: recomputed too.
      if (was && !touched.has(was)) touched.set(was, undefined);
      if (was !== now) moves.push({ contactId: c.id, accountId: now });
    }
    await ctx.store.contacts.setAccountIds(ws, moves);
  }
  return { touched, unflagged };
}

/**
 * The members of some accounts tallied page by page: their scores (fresh ones computed here) and
 * company fields. `keep`: the fresh members not flagged, which a changed account does not flag.
 */
async function membersOf(
  ctx: RunContext,
  accountIds: string[],
  fresh: (c: StoredContact) => boolean,
  names: Map<string, string | undefined>,
): Promise<{ members: Map<string, Members>; keep: string[] }> {
  const ws = ctx.workspace.id;
  const members = new Map<string, Members>();
  const keep: string[] = [];
  let after: { accountId: string; contactId: string } | undefined;
  for (;;) {
    const page: (StoredContact & { accountId: string })[] = await ctx.store.contacts.inAccounts(
      ws,
      accountIds,
      { limit: ctx.tuning.accountPageSize, ...(after ? { after } : {}) },
    );
    if (page.length === 0) break;
    const last = page[page.length - 1]!;
    after = { accountId: last.accountId, contactId: last.id };
    const [decisions, events] = await Promise.all([
      ctx.store.decisions.forContacts(
        ws,
        page.map((c) => c.id),
      ),
      ctx.store.contacts.eventsFor(
        ws,
        page.filter(fresh).map((c) => c.id),
      ),
    ]);
    for (const c of page) {
      let m = members.get(c.accountId);
      if (!m) {
        const name = names.get(c.accountId) ?? accountOf({ ...c.properties, ...c.salesFacts })?.name;
        m = { name: name ?? c.accountId, tally: new AccountTally(ctx.model.accountDimensions), company: {} };
        members.set(c.accountId, m);
      }
      let scores: Scores | undefined;
      if (fresh(c)) {
        if (!c.needsQualification) keep.push(c.id);
        const input = toContactInput(ctx.model, {
          contact: c,
          events: events.get(c.id) ?? [],
          decision: decisions.get(c.id),
        });
        scores = ctx.model.qualify(input, ctx.at).scores;
      } else {
        scores = decisions.get(c.id)?.scores;
      }
      if (scores) m.tally.add(scores);
      // Company fields as the account's contacts carry them; later contacts fill what earlier lack.
      for (const [k, v] of Object.entries(c.properties)) if (m.company[k] === undefined) m.company[k] = v;
    }
  }
  return { members, keep };
}
